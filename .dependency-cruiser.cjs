/** The import arrows of DESIGN.md, checked by `make lint`. */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment:
        'generated code is exempt: a recursive proto message (broker.v1.Data) imports itself',
      severity: 'error',
      from: { pathNot: '^node/src/gen/' },
      to: { circular: true },
    },
    {
      name: 'raft-imports-nothing',
      comment: 'node/src/raft is a pure library: it imports only itself',
      severity: 'error',
      from: { path: '^node/src/raft/' },
      to: { pathNot: '^node/src/raft/' },
    },
    {
      name: 'nothing-imports-test',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'operator-not-node-internals',
      comment: 'the operator talks to peers only through the generated admin API types',
      severity: 'error',
      from: { path: '^operator/' },
      to: { path: '^node/src/', pathNot: '^node/src/gen/' },
    },
    {
      name: 'product-not-bench',
      severity: 'error',
      from: { path: '^(node|operator)/' },
      to: { path: '^bench/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|node_modules)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
