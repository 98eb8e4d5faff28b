/** Formats rows as a plain text table for a terminal; `--json` is for machines. */
export function formatTable(headers: string[], rows: (string | number | null)[][]): string {
  const cells = [
    headers,
    ...rows.map((row) => row.map((cell) => (cell === null ? '—' : String(cell)))),
  ];
  const widths = headers.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const [head, ...body] = cells;
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}
