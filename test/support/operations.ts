import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The example operations in schema/operations/, executed by the tests so they cannot rot. */
export function operation(name: string): string {
  return readFileSync(join('schema', 'operations', `${name}.graphql`), 'utf8');
}
