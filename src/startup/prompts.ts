import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConclaveError } from '../domain/errors.js';

/** The system prompts sent to an LLM, each in its own file so users edit them without touching code. */
export const PROMPT_FILES = {
  scannerRanking: 'scanner-ranking.md',
  llmVoter: 'llm-voter.md',
} as const;

export type Prompts = { readonly [K in keyof typeof PROMPT_FILES]: string };

/** prompts/ of this package, from the sources (src/startup) or the bundle (dist/, dist/chunks/). */
export function bundledPromptsDir(): string {
  for (const rel of ['../prompts/', '../../prompts/', '../../../prompts/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, PROMPT_FILES.scannerRanking))) return dir;
  }
  throw new ConclaveError('CONFIG_INVALID', 'the bundled prompts/ folder is missing from this installation; set PROMPTS_DIR');
}

/**
 * Reads every prompt from `dir` (PROMPTS_DIR, or the bundled prompts/ when empty). Lines are joined with
 * spaces so a file can wrap freely.
 * @throws ConclaveError CONFIG_INVALID naming the file when one is missing or empty.
 */
export function loadPrompts(dir: string): Prompts {
  const root = dir || bundledPromptsDir();
  const read = (file: string): string => {
    const path = join(root, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConclaveError('CONFIG_INVALID', `PROMPTS_DIR: cannot read ${path}: ${(error as Error).message}`);
    }
    const prompt = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .join(' ');
    if (!prompt) throw new ConclaveError('CONFIG_INVALID', `PROMPTS_DIR: ${path} is empty`);
    return prompt;
  };
  return { scannerRanking: read(PROMPT_FILES.scannerRanking), llmVoter: read(PROMPT_FILES.llmVoter) };
}
