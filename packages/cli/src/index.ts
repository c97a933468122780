// @modelplane/cli: the `modelplane` command line (bin: dist/main.js), built on @modelplane/client.
export { runCli } from './cli';
export { commands } from './commands';
export { DEFAULT_ENDPOINT, loadCliConfig } from './config';
export type { CliConfig } from './config';
export type { CliIo, ClientFactory, CommandContext, OutputStream } from './context';
export { CliError, EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from './errors';
export { formatCsv, formatCsvField, parseCsv, parseCsvTable, CsvError } from './csv';
export { createProgressBar, renderProgress } from './progress';
