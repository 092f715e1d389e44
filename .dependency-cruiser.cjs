// dependency-cruiser rules: the layer directions of DESIGN.md ("Imports point down"), checked by `npm run lint`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'http-only-from-composition',
      comment:
        'Nothing imports src/http/ except the composition root (src/app.ts, src/server.ts, a src/app/ or ' +
        'src/plugins/ folder) and src/http/ itself. Errors and wire schemas that services need belong in ' +
        'src/core/ and src/contract/. (src/services/ is left to services-not-http, so that one import is ' +
        'reported once.)',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: ['^src/(app|server)\\.ts$', '^src/http/', '^src/(app|plugins)/', '^src/services/'],
      },
      to: { path: '^src/http/' },
    },
    {
      name: 'domain-is-pure',
      comment:
        'src/domain/ holds pure rules: it imports only src/domain/, src/core/ and src/contract/ (types and ' +
        'schemas), never the store, db, live hub, interop formats, services, http or jobs.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/(domain|core|contract)/' },
    },
    {
      name: 'domain-no-framework-or-io',
      comment: 'src/domain/ has no Fastify, no SQL and no sockets of its own (DESIGN.md, Layout).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        path: '(^|/)node_modules/(fastify|@fastify/[^/]+|fastify-[^/]+|better-sqlite3|drizzle-orm|pg|ws|pino)/',
      },
    },
    {
      name: 'core-imports-only-core',
      comment: 'src/core/ is the shared vocabulary at the bottom: it imports nothing else from src/.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'contract-imports-only-contract-and-core',
      comment: 'src/contract/ is the wire: it imports only src/contract/ and src/core/.',
      severity: 'error',
      from: { path: '^src/contract/' },
      to: { path: '^src/', pathNot: '^src/(contract|core)/' },
    },
    {
      name: 'services-not-http',
      comment: 'Use cases do not know about HTTP: src/services/ never imports src/http/.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'web-only-contract-and-core',
      comment: 'The browser pages use the server only through src/contract/ and src/core/ (type-only imports).',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/(contract|core)/' },
    },
    {
      name: 'src-not-test-or-scripts',
      comment: 'Production code never imports tests or maintenance scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles inside src/ (type-only imports count: tsPreCompilationDeps is on).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'Every import resolves. Also guards the rules above: an import that does not resolve (a wrong .js ' +
        'suffix, a moved file) would otherwise escape every path rule.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^dist/', '^drizzle/', '^\\.tap/', '^data/', '^test-artifacts/'] },
    // `import type` is a dependency too: web/ may import contract types, domain/ may not import store types.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // NodeNext: relative imports say `./x.js` for `./x.ts`. enhanced-resolve's `extensionAlias` is not
    // accepted here; dependency-cruiser retries an unresolved `.js`/`.mjs`/`.cjs` as `.ts`/`.mts`/`.cts`
    // itself, as tsc does. The not-to-unresolvable rule fails the run if that ever stops working.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
