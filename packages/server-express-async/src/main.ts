import { serveFromPackage } from '@loopbench/contract';
import { createApp } from '@loopbench/server-express-blocking';

// The very app of express-blocking: declared non-blocking in package.json, it awaits its waits.
serveFromPackage(import.meta.url, createApp);
