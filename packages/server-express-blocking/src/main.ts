import { serve } from '@loopbench/contract';
import { createApp } from './app.js';

serve({ name: 'express-blocking', model: 'blocking', createListener: createApp });
