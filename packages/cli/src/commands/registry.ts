import type { Command } from './command.model.js';
import { auditCommand } from './audit.command.js';
import { hashCommand } from './hash.command.js';
import { riskCommand } from './risk.command.js';
import { bankCommand } from './bank.command.js';
import { exchangeCommand } from './exchange.command.js';
import { matchCommand } from './match.command.js';
import { serveCommand } from './serve.command.js';
import { userCommand } from './user.command.js';
import { vaultCommand } from './vault.command.js';
import { reportCommand } from './report.command.js';

/**
 * Every sub-command, in `--help` order. Add a command by writing `NAME.command.ts` beside
 * this file and listing it here.
 */
export const COMMANDS: readonly Command[] = [
  hashCommand,
  riskCommand,
  bankCommand,
  exchangeCommand,
  matchCommand,
  serveCommand,
  auditCommand,
  userCommand,
  vaultCommand,
  reportCommand,
];
