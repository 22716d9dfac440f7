import { awaiting, pooledDatabase, serveFromPackage } from '@loopbench/contract';
import { createApp } from './app.js';

serveFromPackage(import.meta.url, (stats, database) => createApp(stats, awaiting(pooledDatabase(database))));
