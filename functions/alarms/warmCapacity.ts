import type { BusinessHours, LandfallConfig } from '../../config/schema.ts';

/** Weekday (0 = Sunday) and hour of `time` in an IANA time zone. */
export function localHour(time: Date, timeZone: string): { day: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' }).formatToParts(time);
  const weekday = parts.find((part) => part.type === 'weekday')?.value ?? '';
  const hour = Number(parts.find((part) => part.type === 'hour')?.value);
  return { day: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(weekday), hour };
}

/** Whether `time` falls inside the window, in its time zone; a window ending before it starts spans midnight. */
export function inBusinessHours(hours: BusinessHours, time: Date): boolean {
  const { day, hour } = localHour(time, hours.timeZone);
  if (hours.fromHour < hours.toHour) return hours.days.includes(day) && hour >= hours.fromHour && hour < hours.toHour;
  // Overnight window: the part after midnight belongs to the day it started on.
  if (hour >= hours.fromHour) return hours.days.includes(day);
  return hour < hours.toHour && hours.days.includes((day + 6) % 7);
}

/**
 * vCPUs a region keeps warm at `time` when idle: its business-hours capacity inside the window, else 0.
 *
 * @example warmVcpusAt(config, 'eu-west-1', new Date('2026-11-02T09:30:00Z')) // 4 with { warmVcpus: 4, fromHour: 8, toHour: 18, timeZone: 'Europe/Dublin' }
 */
export function warmVcpusAt(config: Pick<LandfallConfig, 'idle'>, region: string, time: Date): number {
  return Math.max(
    0,
    ...config.idle.businessHours.filter((hours) => hours.region === region && inBusinessHours(hours, time)).map((hours) => hours.warmVcpus),
  );
}
