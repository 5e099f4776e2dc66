/** `npm run schema:print` writes schema/schema.graphql from the code; `npm run schema:check` fails on drift. */
import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema, lexicographicSortSchema } from 'graphql';
import { graphqlSchema } from '../graphql/schema.js';

const FILE = 'schema/schema.graphql';

async function main(): Promise<void> {
  const sdl = `# Generated from the code by \`npm run schema:print\`; do not edit.\n\n${printSchema(lexicographicSortSchema(await graphqlSchema()))}\n`;
  if (process.argv[2] === 'write') {
    writeFileSync(FILE, sdl);
    console.log(`wrote ${FILE}`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(FILE, 'utf8');
  } catch {
    // Missing file counts as drift below.
  }
  if (committed !== sdl) {
    console.error(`${FILE} differs from the schema the code builds: run \`npm run schema:print\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${FILE} is up to date`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
