/** Go's time.Time as templates see it: Format with Go's reference layout, String, a few methods. */
import { type GoFunc, type GoTime, type GoType, goInt, goString, T, Value } from './value';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  wday: number;
  yday: number;
}

function wall(t: GoTime): Wall {
  const d = new Date(t.ms + t.offset * 1000);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  const ms = ((t.ms % 1000) + 1000) % 1000;
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    min: d.getUTCMinutes(),
    sec: d.getUTCSeconds(),
    nsec: ms * 1e6 + t.ns,
    wday: d.getUTCDay(),
    yday: Math.floor((d.getTime() - start) / 86400000) + 1,
  };
}

const pad = (n: number, w: number): string => String(Math.abs(n)).padStart(w, '0');

// The layout elements, longest first where one is a prefix of another, as Go's nextStdChunk finds them.
const CHUNKS = [
  'January',
  'Jan',
  'Monday',
  'Mon',
  'MST',
  '2006',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '002',
  '__2',
  '_2',
  '15',
  'Z07:00:00',
  '-07:00:00',
  'Z070000',
  '-070000',
  'Z07:00',
  '-07:00',
  'Z0700',
  '-0700',
  'Z07',
  '-07',
  'PM',
  'pm',
  '1',
  '2',
  '3',
  '4',
  '5',
];

/** time.Time.Format(layout) */
export function formatTime(t: GoTime, layout: string): string {
  const w = wall(t);
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac && (i === 0 || true)) {
      const digits = (frac[1] as string).length;
      const ns = String(w.nsec).padStart(9, '0').slice(0, digits);
      const sep = frac[0][0] as string;
      if ((frac[1] as string)[0] === '0') out += sep + ns;
      else {
        const trimmed = ns.replace(/0+$/, '');
        if (trimmed !== '') out += sep + trimmed;
      }
      i += frac[0].length;
      continue;
    }
    const chunk = CHUNKS.find((c) => layout.startsWith(c, i) && chunkOK(layout, i, c));
    if (chunk === undefined) {
      out += layout[i];
      i++;
      continue;
    }
    out += renderChunk(chunk, w, t);
    i += chunk.length;
  }
  return out;
}

function chunkOK(layout: string, i: number, c: string): boolean {
  // "Jan"/"Mon" etc. must not be followed by a lower-case letter (Go: "Janet" is not a month).
  if ((c === 'Jan' || c === 'Mon') && /[a-z]/.test(layout[i + c.length] ?? '')) return false;
  if (c === 'January' || c === 'Monday') return true;
  return true;
}

function renderChunk(c: string, w: Wall, t: GoTime): string {
  const h12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
  switch (c) {
    case 'January':
      return MONTHS[w.month - 1] as string;
    case 'Jan':
      return (MONTHS[w.month - 1] as string).slice(0, 3);
    case 'Monday':
      return DAYS[w.wday] as string;
    case 'Mon':
      return (DAYS[w.wday] as string).slice(0, 3);
    case 'MST':
      return t.zone;
    case '2006':
      return pad(w.year, 4);
    case '06':
      return pad(w.year % 100, 2);
    case '01':
      return pad(w.month, 2);
    case '1':
      return String(w.month);
    case '02':
      return pad(w.day, 2);
    case '_2':
      return String(w.day).padStart(2, ' ');
    case '2':
      return String(w.day);
    case '002':
      return pad(w.yday, 3);
    case '__2':
      return String(w.yday).padStart(3, ' ');
    case '15':
      return pad(w.hour, 2);
    case '3':
      return String(h12);
    case '03':
      return pad(h12, 2);
    case '4':
      return String(w.min);
    case '04':
      return pad(w.min, 2);
    case '5':
      return String(w.sec);
    case '05':
      return pad(w.sec, 2);
    case 'PM':
      return w.hour >= 12 ? 'PM' : 'AM';
    case 'pm':
      return w.hour >= 12 ? 'pm' : 'am';
    default:
      return zoneOffset(c, t.offset);
  }
}

function zoneOffset(c: string, offset: number): string {
  if (c.startsWith('Z') && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const hh = pad(Math.floor(a / 3600), 2);
  const mm = pad(Math.floor((a % 3600) / 60), 2);
  const ss = pad(a % 60, 2);
  const body = c.slice(1);
  switch (body) {
    case '07':
      return sign + hh;
    case '0700':
      return sign + hh + mm;
    case '07:00':
      return `${sign}${hh}:${mm}`;
    case '070000':
      return sign + hh + mm + ss;
    default:
      return `${sign}${hh}:${mm}:${ss}`;
  }
}

const START = process.hrtime.bigint();

function timeString(v: Value): string {
  const t = v.v as GoTime & { mono?: bigint };
  let s = formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
  if (t.mono !== undefined) {
    const d = t.mono - START;
    const sec = d / 1_000_000_000n;
    const ns = d % 1_000_000_000n;
    s += ` m=+${sec}.${String(ns).padStart(9, '0')}`;
  }
  return s;
}

const method =
  (result: GoType, f: (t: GoTime) => Value, params: GoType[] = [], g?: (t: GoTime, args: Value[]) => Value) =>
  (recv: Value): GoFunc => ({
    params,
    result,
    call: (args) => (g ? g(recv.v as GoTime, args) : f(recv.v as GoTime)),
  });

export const TIME_TYPE: GoType = {
  kind: 'struct',
  name: 'time.Time',
  fields: [
    { name: 'wall', type: T.uint64 },
    { name: 'ext', type: T.int64 },
    { name: 'loc', type: { kind: 'ptr', name: '*time.Location' } },
  ],
  stringer: timeString,
  methods: {
    Format: method(T.string, () => goString(''), [T.string], (t, [l]) => goString(formatTime(t, (l as Value).v as string))),
    String: method(T.string, (t) => goString(timeString(new Value(TIME_TYPE, t)))),
    Unix: method(T.int64, (t) => new Value(T.int64, BigInt(Math.floor(t.ms / 1000)))),
    Year: method(T.int, (t) => goInt(wall(t).year)),
    Day: method(T.int, (t) => goInt(wall(t).day)),
    Hour: method(T.int, (t) => goInt(wall(t).hour)),
    Minute: method(T.int, (t) => goInt(wall(t).min)),
    Second: method(T.int, (t) => goInt(wall(t).sec)),
    YearDay: method(T.int, (t) => goInt(wall(t).yday)),
    UTC: (recv: Value): GoFunc => ({
      params: [],
      result: TIME_TYPE,
      call: () => {
        const t = recv.v as GoTime;
        return new Value(TIME_TYPE, { ms: t.ms, ns: t.ns, offset: 0, zone: 'UTC' });
      },
    }),
  },
};

/** time.Now(), with the monotonic reading Go prints after "m=". */
export function now(local: (ms: number, ns: number) => GoTime): Value {
  const ms = Date.now();
  const t = { ...local(ms, 0), mono: process.hrtime.bigint() };
  return new Value(TIME_TYPE, t);
}
