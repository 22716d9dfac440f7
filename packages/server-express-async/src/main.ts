import { awaiting, pooledDatabase, serveFromPackage } from '@loopbench/contract';
import { createApp } from '@loopbench/server-express-blocking';

// The very Express app of express-blocking, with only its waits changed (an awaited timer and an awaited pool query, as in FastAPI's async def): the control.
serveFromPackage(import.meta.url, (stats, database) => createApp(stats, awaiting(pooledDatabase(database))));
