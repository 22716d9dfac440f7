// Which way imports may point between the harness's folders (src/<folder>/): results/ is the file
// format and needs nothing of the rest; catalogue/ is data over it; analysis/ and render/ work on
// results and never reach back into the machinery that measures; cli/ is the top. Type-only imports
// count: they tie the modules together just the same. `npm run lint` runs it.

/** Tests may reach across the layers to build what they check; the layers are for the product. */
const TESTS = '\\.(test|testing)\\.ts$';

/** A rule that `from` imports nothing in `folders`. */
const layer = (name, comment, from, folders) => ({
  name,
  comment,
  severity: 'error',
  from: { path: `^src/${from}/`, pathNot: TESTS },
  to: { path: `^src/(${folders.join('|')})/` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes the load order matter and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'results-stands-alone',
      comment: 'results/ is the file format: it may import libraries and @loopbench/contract, nothing else of the harness.',
      severity: 'error',
      from: { path: '^src/results/', pathNot: TESTS },
      to: { path: '^src/', pathNot: '^src/results/' },
    },
    {
      name: 'catalogue-over-results',
      comment: 'catalogue/ is data: it may import results/ and itself only.',
      severity: 'error',
      from: { path: '^src/catalogue/', pathNot: TESTS },
      to: { path: '^src/', pathNot: '^src/(catalogue|results)/' },
    },
    layer(
      'analysis-not-machinery',
      'analysis/ works on results: it may use catalogue/ and results/, not what measures or runs.',
      'analysis',
      ['measure', 'kinds', 'run', 'probe', 'cli', 'render'],
    ),
    layer(
      'render-not-machinery',
      'render/ draws results: it may use analysis/, catalogue/ and results/, not what measures or runs.',
      'render',
      ['measure', 'kinds', 'run', 'probe', 'cli'],
    ),
    layer('measure-below-kinds', 'measure/ generates load and reads servers; kinds/ and run/ drive it, never the other way.', 'measure', [
      'kinds',
      'run',
      'cli',
      'render',
      'catalogue',
      'probe',
    ]),
    layer('kinds-below-run', 'kinds/ are driven by run/ and cli/, and do not draw.', 'kinds', ['run', 'cli', 'render', 'probe']),
    {
      name: 'cli-on-top',
      comment: 'cli/ is the top: nothing else imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/cli/|${TESTS}` },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
