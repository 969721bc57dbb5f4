import { transform } from '@swc/core';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/** The workspace packages, imported by name by the examples: run from their sources, no build needed. */
const WORKSPACE_SOURCES = {
  '@warden/client': '../packages/client/src/index.ts',
  '@warden/nestjs': '../packages/nestjs/src/index.ts',
};

/** Relative `./x.js` imports name the compiled file; in the sources it is `./x.ts`. */
export async function resolve(specifier, context, nextResolve) {
  if (Object.hasOwn(WORKSPACE_SOURCES, specifier)) {
    return { url: new URL(WORKSPACE_SOURCES[specifier], import.meta.url).href, shortCircuit: true };
  }
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      return nextResolve(specifier.slice(0, -3) + '.ts', context);
    }
    throw error;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), { ...OPTIONS, filename: path });
  return { format: 'module', source: code, shortCircuit: true };
}
