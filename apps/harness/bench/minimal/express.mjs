// Express as its README writes an app: the floor for the express-async server's per-request cost.
import http from 'node:http';
import express from 'express';
import { announce } from './ready.mjs';

const app = express();
app.get('/hello', (_req, res) => {
  res.type('text/plain').send('Hello');
});
announce(http.createServer(app), 'express (minimal)');
