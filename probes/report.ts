/**
 * Renders a probe report for people (an aligned table, failures explained under their row) or for
 * machines (`--json`, the `ProbeReport` object as is). Both contain redacted URLs only.
 */
import type { CheckResult, ProbeReport } from "./run";

export function formatDuration(ms: number): string {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function renderJson(report: ProbeReport): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}

const columns = [
    { title: "RESULT", cell: (check: CheckResult) => (check.passed ? "pass" : "FAIL") },
    { title: "CHECK", cell: (check: CheckResult) => check.id },
    { title: "ATTEMPTS", cell: (check: CheckResult) => String(check.attempts) },
    { title: "TIME", cell: (check: CheckResult) => formatDuration(check.durationMs) },
    { title: "URL", cell: (check: CheckResult) => check.url },
] as const;

export function renderTable(report: ProbeReport): string {
    const rows = report.checks.map((check) => columns.map((column) => column.cell(check)));
    const widths = columns.map((column, index) => Math.max(column.title.length, ...rows.map((row) => row[index]!.length)));
    const line = (cells: readonly string[]): string =>
        cells
            .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index]!)))
            .join("  ")
            .trimEnd();
    const indent = " ".repeat(widths[0]! + 2);
    const lines = [line(columns.map((column) => column.title))];
    report.checks.forEach((check, index) => {
        lines.push(line(rows[index]!));
        if (!check.passed) {
            lines.push(`${indent}expected: ${check.expected}`);
            lines.push(`${indent}got:      ${check.observed}`);
        }
    });
    lines.push("", summaryLine(report));
    return `${lines.join("\n")}\n`;
}

export function summaryLine(report: ProbeReport): string {
    const failed = report.checks.filter((check) => !check.passed).length;
    const timing = `${formatDuration(report.durationMs)}, deadline ${formatDuration(report.deadlineMs)}`;
    return failed === 0
        ? `smoke: PASSED, all ${report.checks.length} checks passed (${timing})`
        : `smoke: FAILED, ${failed} of ${report.checks.length} checks failed (${timing})`;
}
