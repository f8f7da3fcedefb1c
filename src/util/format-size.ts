/**
 * A byte count as people read it (`512 B`, `1.5 KB`, `3.2 MB`). Shared by the API's `*_formatted`
 * fields and the web console, so both say the same; it uses nothing but the language.
 */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
