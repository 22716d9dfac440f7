import { describe, expect, it } from 'vitest';
import { checkAvailability } from './availability.js';

// Debian's interpreter, which the Python servers run; its standard library is enough here.
const python = (modules: string[], interpreter = '/usr/bin/python3') => ({
  name: 'demo',
  start: [interpreter, 'main.py'],
  requires: { python3: modules },
  install: 'apt-get install python3-demo',
});

describe('checkAvailability', () => {
  it('finds a server that requires nothing available', () => {
    expect(checkAvailability({ name: 'demo', start: ['node', 'main.js'] })).toEqual({ available: true, versions: {} });
  });

  it('finds the modules a server requires, with their versions', () => {
    const availability = checkAvailability(python(['json', 'sqlite3']));
    expect(availability).toEqual({ available: true, versions: { json: expect.any(String), sqlite3: expect.any(String) } });
  });

  it('names the module that does not import, and the command that installs it', () => {
    expect(checkAvailability(python(['json', 'no_such_module_here']))).toEqual({
      available: false,
      reason: expect.stringContaining('cannot import no_such_module_here'),
      install: 'apt-get install python3-demo',
    });
  });

  it('names a missing interpreter', () => {
    expect(checkAvailability(python(['json'], '/nowhere/python3'))).toMatchObject({
      available: false,
      reason: '/nowhere/python3 not found',
    });
  });
});
