/**
 * vega-lite declares its types only through package.json `exports`, which the project's
 * `moduleResolution: node` does not read; its build/index.d.ts is the same declaration, reached by path.
 * (A tsconfig `paths` entry would also reach it, but tsx applies `paths` at run time too and would
 * load the .d.ts in place of the package.)
 */
declare module 'vega-lite' {
  export * from 'vega-lite/build/index';
}
