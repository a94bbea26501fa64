/**
 * A few of the most used passwords of public breach corpora, long enough to pass a length rule.
 * A floor, not a breach check: plug a real one (e.g. Have I Been Pwned's range API) into
 * `isBreached`.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '123456789',
  '1234567890',
  '12345678',
  '123123123',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'password',
  'password1',
  'password123',
  'passw0rd',
  'qwertyuiop',
  'qwerty123',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'welcome1',
  'trustno1',
  'superman',
  'starwars',
  'whatever',
  'letmein123',
  'administrator',
  'changeme',
  'qwertyuiopasdfghjkl',
  '123456789012345',
  'aaaaaaaaaaaaaaa',
  'passwordpassword',
  'correcthorsebatterystaple',
]);
