// npm run docs: regenerates the generated sections of README.md (the spec reference).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { specReference } from '../operator/api/reference.ts';
import { replaceSection } from './readme-sections.ts';

const file = join(import.meta.dirname, '../README.md');
writeFileSync(file, replaceSection(readFileSync(file, 'utf8'), 'spec-reference', specReference()));
