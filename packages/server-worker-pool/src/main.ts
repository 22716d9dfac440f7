import { serveFromPackage } from '@loopbench/contract';
import { createApp } from './app.js';

serveFromPackage(import.meta.url, createApp);
