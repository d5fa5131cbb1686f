import { copyProgress } from '../src/run/progress';
import { silentLogger } from '../src/util/log';

const CLEAR = '\r\x1b[K';

test('on a terminal: one live line, rewritten in place, never torn by log lines', () => {
  let out = '';
  const p = copyProgress({ isTTY: true, write: (s: string) => (out += s) }, () => silentLogger);
  p.update('r/a:1', { blobsDone: 1, blobsTotal: 4, bytesDone: 2_000_000 });
  p.done('r/a:1');
  p.write('level=INFO msg="copied"\n');
  p.finish();
  expect(out).toContain(`${CLEAR}copying: 0 done, 1 in progress, blobs 1/4, 2.0 MB`);
  expect(out).toContain(`${CLEAR}copying: 1 done, 0 in progress, blobs 0/0, 0.0 MB`);
  // the log line starts on a cleared line and the live line is redrawn after it
  expect(out).toContain(`${CLEAR}level=INFO msg="copied"\n${CLEAR}copying: 1 done`);
  expect(out.endsWith(CLEAR)).toBe(true);
});

test('not a terminal: no live line at all, log lines pass straight through', () => {
  let out = '';
  const p = copyProgress({ isTTY: false, write: (s: string) => (out += s) }, () => silentLogger);
  p.update('r/a:1', { blobsDone: 1, blobsTotal: 4, bytesDone: 10 });
  p.done('r/a:1');
  p.write('line\n');
  p.finish();
  expect(out).toBe('line\n');
});
