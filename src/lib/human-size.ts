const UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'];

/** Rails' number_to_human_size, as tootctl prints sizes: 1024-based, three significant digits ("1.21 KB", "0 Bytes"). */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'Byte' : 'Bytes'}`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${UNITS[unit]}`;
}
