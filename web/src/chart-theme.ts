import './theme.css';
import type { ChartOptions, DeepPartial } from 'lightweight-charts';

export type Theme = 'dark' | 'light';

const KEY = 'conclave.theme';
const listeners = new Set<(theme: Theme) => void>();
let current: Theme = 'dark';

/** The theme chosen on this browser, else the system's preference. */
export function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/** Switches the page (theme.css keys on `data-theme`) and every chart that subscribed. */
export function setTheme(theme: Theme, remember: boolean): void {
  current = theme;
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  if (remember) localStorage.setItem(KEY, theme);
  for (const listener of listeners) listener(theme);
}

/** Calls `listener` now and at every switch (charts repaint their canvas colours; CSS cannot reach them). */
export function onTheme(listener: (theme: Theme) => void): void {
  listeners.add(listener);
  listener(current);
}

/** The header button: shows the theme it switches to. */
export function wireThemeToggle(button: HTMLElement): void {
  const label = () => {
    button.textContent = current === 'dark' ? 'Light' : 'Dark';
    button.title = `Switch to the ${current === 'dark' ? 'light' : 'dark'} theme`;
  };
  setTheme(initialTheme(), false);
  label();
  button.addEventListener('click', () => {
    setTheme(current === 'dark' ? 'light' : 'dark', true);
    label();
  });
}

const COLORS: Record<Theme, { text: string; line: string; grid: string }> = {
  dark: { text: '#9aa4b2', line: '#263040', grid: '#1b2330' },
  light: { text: '#4a5566', line: '#cfd6df', grid: '#eef1f5' },
};

/** Canvas colours of a chart in `theme`. */
export function chartColors(theme: Theme): DeepPartial<ChartOptions> {
  const c = COLORS[theme];
  return {
    layout: { textColor: c.text, panes: { separatorColor: c.line } },
    grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
    rightPriceScale: { borderColor: c.line },
    timeScale: { borderColor: c.line },
  };
}
