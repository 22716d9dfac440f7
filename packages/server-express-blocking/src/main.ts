import { blockingDatabase, serveFromPackage } from '@loopbench/contract';
import { blocking, createApp } from './app.js';

serveFromPackage(import.meta.url, (stats, database) => createApp(stats, blocking(blockingDatabase(database))));
