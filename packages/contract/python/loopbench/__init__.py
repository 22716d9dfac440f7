"""loopbench's contract for its Python servers: the same routes, limits, refusals and /stats as the TypeScript one,
read from the same contract.json."""
