import t from 'tap';
import { loadConfig } from '../../core/config.ts';
import { hashPassword, verifyPassword } from '../../core/users/passwords.ts';

t.test('a password hash records its cost, so raising or lowering the cost never locks anyone out', async (t) => {
  const strong = await hashPassword('correct horse battery', 16384);
  t.match(strong, /^scrypt\$16384\$/);
  t.ok(await verifyPassword('correct horse battery', strong, 1024), 'a hash made at 16384 verifies where new hashes use 1024');
  const cheap = await hashPassword('correct horse battery', 1024);
  t.ok(await verifyPassword('correct horse battery', cheap, 16384), 'and the other way round');
  t.notOk(await verifyPassword('wrong horse battery', cheap));
  t.notOk(await verifyPassword('correct horse battery', null), 'no password set');
  t.notOk(await verifyPassword('correct horse battery', 'scrypt$3$abc$def'), 'a malformed cost is refused, not run');
  t.notOk(await verifyPassword('correct horse battery', cheap.replace('$1024$', '$4194304$')), 'nor an absurd one');
});

t.test('PARLEY_PASSWORD_SCRYPT_N must be a power of two in range, and says so', async (t) => {
  t.equal(loadConfig({}).passwordScryptN, 16384);
  t.equal(loadConfig({ PARLEY_PASSWORD_SCRYPT_N: '65536' }).passwordScryptN, 65536);
  t.throws(() => loadConfig({ PARLEY_PASSWORD_SCRYPT_N: '1000' }), /PARLEY_PASSWORD_SCRYPT_N must be a power of two from 1024 to 1048576 \(got 1000\)/);
  t.throws(() => loadConfig({ PARLEY_PASSWORD_SCRYPT_N: 'lots' }), /got lots/);
});
