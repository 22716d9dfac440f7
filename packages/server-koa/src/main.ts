import { serve } from '@loopbench/contract';
import { createApp } from './app.js';

serve({ name: 'koa', model: 'non-blocking', createListener: (probe) => createApp(probe).callback() });
