import { EntitySchema } from '@mikro-orm/core';
import { str } from '../common/columns.js';

/** Facts about the installation itself, e.g. whether it holds invented demo data. */
export interface Meta {
  key: string;
  value: string;
}
export const MetaSchema = new EntitySchema<Meta>({
  name: 'Meta',
  tableName: 'app_meta',
  properties: { key: { ...str(60), primary: true }, value: str(500) },
});
