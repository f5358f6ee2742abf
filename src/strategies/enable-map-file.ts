import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_ENABLE_MAP, type EnableMap, enableMapToYaml, parseEnableMapYaml } from './enable-map.js';

/**
 * The enable map held in memory and kept in its YAML file: the selection agent reads `current()` every cycle,
 * the API replaces it with `replace()` (validated, written atomically, effective from the next cycle).
 */
export class EnableMapStore {
  private map: EnableMap;

  private constructor(
    private readonly path: string | null,
    map: EnableMap,
  ) {
    this.map = map;
  }

  /**
   * Loads `path`; a missing file gives the built-in default (written on the first replace).
   * @throws ConclaveError VALIDATION_ERROR for a file that does not parse or validate.
   */
  static open(path: string): EnableMapStore {
    const map = existsSync(path) ? parseEnableMapYaml(readFileSync(path, 'utf8'), path) : DEFAULT_ENABLE_MAP;
    return new EnableMapStore(path, map);
  }

  /** Memory only (tests, backtests). */
  static inMemory(map: EnableMap = DEFAULT_ENABLE_MAP): EnableMapStore {
    return new EnableMapStore(null, map);
  }

  current(): EnableMap {
    return this.map;
  }

  replace(map: EnableMap): void {
    if (this.path) {
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, enableMapToYaml(map));
      renameSync(tmp, this.path);
    }
    this.map = map;
  }
}
