import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import { bundledPromptsDir, loadPrompts, PROMPT_FILES } from '../../../src/startup/prompts.js';
import { REPO_ROOT } from '../../helpers/shared-data.js';

function promptsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-prompts-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('prompts/ files', () => {
  it('ships prompts/ with the package and reads each file with its lines joined', () => {
    expect(bundledPromptsDir()).toBe(join(REPO_ROOT, 'prompts/'));
    const prompts = loadPrompts('');
    const raw = readFileSync(join(REPO_ROOT, 'prompts', PROMPT_FILES.scannerRanking), 'utf8');
    expect(prompts.scannerRanking).toBe(raw.trim().split('\n').join(' '));
    expect(prompts.llmVoter).toContain('BUY|SELL|HOLD');
  });

  it('an edited PROMPTS_DIR is what the LLM voter sends as its system prompt', () => {
    const dir = promptsDir({ [PROMPT_FILES.scannerRanking]: 'rank them', [PROMPT_FILES.llmVoter]: 'You vote.\n  Be brief.\n' });
    expect(loadPrompts(dir)).toEqual({ scannerRanking: 'rank them', llmVoter: 'You vote. Be brief.' });
  });

  it('a missing or empty prompt file is CONFIG_INVALID naming the file', () => {
    const missing = promptsDir({ [PROMPT_FILES.scannerRanking]: 'rank' });
    const error = (() => {
      try {
        loadPrompts(missing);
      } catch (e) {
        return e;
      }
    })();
    expect(isConclaveError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain(join(missing, PROMPT_FILES.llmVoter));
    const empty = promptsDir({ [PROMPT_FILES.scannerRanking]: '  \n\n', [PROMPT_FILES.llmVoter]: 'vote' });
    expect(() => loadPrompts(empty)).toThrow(/scanner-ranking\.md is empty/);
  });
});
