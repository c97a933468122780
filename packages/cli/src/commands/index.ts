import type { CommandSpec } from '../args';
import type { CommandContext } from '../context';
import { keyCommands } from './keys';
import { modelCommands } from './models';
import { monitoringCommands } from './monitoring';
import { predictCommands } from './predict';
import { runCommands } from './runs';

/** Every command, in the order `modelplane --help` lists them. */
export const commands: readonly CommandSpec<CommandContext>[] = [
  ...modelCommands,
  ...predictCommands,
  ...runCommands,
  ...monitoringCommands,
  ...keyCommands,
];
