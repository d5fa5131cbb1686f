/** localhost, *.localhost, 127.0.0.0/8 and ::1 (brackets allowed): hosts on this machine, i.e. test servers and emulators. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
