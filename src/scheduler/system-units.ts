import type { PlanSettings } from '../jobs/run/plan-settings.js';

/** Where the printed units find lifeboat and its config. */
export interface UnitOptions {
  /** Command that starts lifeboat (`/usr/local/bin/lifeboat`, `npx lifeboat`). */
  readonly command: string;
  /** Absolute path of lifeboat.yaml; the working directory of the runs. */
  readonly configPath: string | undefined;
  readonly workDir: string;
}

/**
 * Crontab lines, one per scheduled plan, for people who prefer the system's cron. Cron has
 * no seconds and no per-line zone (CRON_TZ is common but not universal), so 6-field
 * schedules and zones are noted in a comment rather than silently changed.
 */
export function crontabLines(plans: readonly PlanSettings[], options: UnitOptions): string {
  const config = options.configPath ? ` --config ${shellQuote(options.configPath)}` : '';
  const lines = ['# lifeboat plans; install with "crontab -e"'];
  for (const plan of plans) {
    if (!plan.schedule) continue;
    const fields = plan.schedule.cron.split(/\s+/);
    const cron = fields.length === 6 ? fields.slice(1).join(' ') : plan.schedule.cron;
    if (fields.length === 6)
      lines.push(`# "${plan.name}": cron has no seconds; rounded to minutes`);
    if (plan.schedule.timezone) lines.push(`CRON_TZ=${plan.schedule.timezone}`);
    lines.push(
      `${cron} cd ${shellQuote(options.workDir)} && ${options.command}${config} run ${plan.name} --quiet`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A systemd service running the daemon plus, per plan, a oneshot service and a timer with
 * the same schedule, as an alternative to the daemon. Only 5-field cron maps cleanly to
 * OnCalendar; other schedules get a comment asking to use the daemon.
 */
export function systemdUnits(plans: readonly PlanSettings[], options: UnitOptions): string {
  const config = options.configPath ? ` --config ${options.configPath}` : '';
  const parts = [
    `# /etc/systemd/system/lifeboat.service  (the daemon: runs every plan on schedule)`,
    `[Unit]\nDescription=lifeboat backup daemon\nAfter=network-online.target\nWants=network-online.target\n`,
    `[Service]\nType=simple\nWorkingDirectory=${options.workDir}\nExecStart=${options.command}${config} daemon\nKillSignal=SIGTERM\nTimeoutStopSec=120\nRestart=on-failure\n`,
    `[Install]\nWantedBy=multi-user.target\n`,
  ];
  for (const plan of plans) {
    if (!plan.schedule) continue;
    const calendar = onCalendar(plan.schedule.cron);
    parts.push(
      `# /etc/systemd/system/lifeboat-${plan.name}.service  (or use timers instead of the daemon)`,
      `[Unit]\nDescription=lifeboat plan ${plan.name}\n\n[Service]\nType=oneshot\nWorkingDirectory=${options.workDir}\nExecStart=${options.command}${config} run ${plan.name}\n`,
      `# /etc/systemd/system/lifeboat-${plan.name}.timer`,
      calendar
        ? `[Unit]\nDescription=lifeboat plan ${plan.name} (${plan.schedule.source})\n\n[Timer]\nOnCalendar=${calendar}${plan.schedule.timezone ? ` ${plan.schedule.timezone}` : ''}\nPersistent=${plan.catchUp}\n\n[Install]\nWantedBy=timers.target\n`
        : `# schedule "${plan.schedule.source}" has no OnCalendar equivalent here; use "lifeboat daemon"\n`,
    );
  }
  return `${parts.join('\n')}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `m h dom mon dow` to OnCalendar for plain numbers, `*`, lists and steps; null otherwise. */
function onCalendar(cron: string): string | null {
  const fields = cron.split(/\s+/);
  if (fields.length !== 5) return null;
  const [min, hour, dom, mon, dow] = fields as [string, string, string, string, string];
  if (![min, hour, dom, mon].every((f) => /^(\*|\d+(,\d+)*|\*\/\d+)$/.test(f))) return null;
  if (!/^(\*|[0-6](,[0-6])*)$/.test(dow)) return null;
  const conv = (f: string): string => (f.startsWith('*/') ? `0/${f.slice(2)}` : f);
  const day =
    dow === '*'
      ? ''
      : `${dow
          .split(',')
          .map((d) => WEEKDAYS[Number(d)])
          .join(',')} `;
  const pad = (f: string): string => (/^\d$/.test(f) ? `0${f}` : conv(f));
  return `${day}*-${conv(mon)}-${conv(dom)} ${pad(hour)}:${pad(min)}:00`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
