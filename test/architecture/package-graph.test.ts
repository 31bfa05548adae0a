import { describe, expect, it } from 'vitest';
import { cycles, layerTable, mermaidEdges, testCodeInSrc, upwardEdges } from './package-graph';

// The floor-plan test is only as good as these checks: each must catch what it exists for.

const DOC = `
\`\`\`mermaid
graph TD
  bff_web[bff-web] --> upstream
  upstream --> common
\`\`\`

| layer | packages | may import |
|---|---|---|
| 2 | bff-web | lower layers |
| 1 | upstream | common |
| 0 | common | nothing |
| beside | testkit | anything |
`;

describe('package graph checks', () => {
  it('reads Mermaid ids through their labels', () => {
    expect(mermaidEdges(DOC)).toEqual([
      ['bff-web', 'upstream'],
      ['upstream', 'common'],
    ]);
  });

  it('a cycle is reported once, with the path that closes it', () => {
    const found = cycles([
      ['projection', 'services-mock'],
      ['services-mock', 'projection'],
      ['services-mock', 'common'],
    ]);
    expect(found).toEqual([['projection', 'services-mock', 'projection']]);
    expect(cycles([['a', 'b']])).toEqual([]);
  });

  it('an arrow to the same or a higher layer is forbidden; beside packages may point anywhere', () => {
    const layers = layerTable(DOC);
    const edges = [
      ['common', 'upstream'],
      ['upstream', 'upstream'],
      ['bff-web', 'common'],
      ['testkit', 'bff-web'],
      ['bff-web', 'testkit'],
      ['bff-web', 'unknown'],
    ] as const;
    expect(upwardEdges(edges, layers)).toEqual([
      ['common', 'upstream'],
      ['upstream', 'upstream'],
      ['bff-web', 'testkit'],
      ['bff-web', 'unknown'],
    ]);
  });

  it('test code and internals imported from src/ are found', () => {
    const pkg = {
      name: 'saga',
      dependencies: [],
      devDependencies: [],
      testImports: [],
      srcImports: [
        'vitest',
        '@edge/testkit',
        '../test/in-memory-providers',
        '@edge/upstream/src/with-breaker',
        '@edge/upstream',
        './saga-engine',
        'undici',
      ].map((specifier) => ({ file: 'f.ts', specifier })),
    };
    expect(testCodeInSrc(pkg).map((i) => i.specifier)).toEqual([
      'vitest',
      '@edge/testkit',
      '../test/in-memory-providers',
      '@edge/upstream/src/with-breaker',
    ]);
  });
});
