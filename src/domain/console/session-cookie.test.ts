import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, sessionCookie, sessionTokenFrom } from './session-cookie.ts';

describe('the console session cookie', () => {
  const token = 'a'.repeat(43);
  it('is HttpOnly, SameSite=Strict, Path=/ and Secure outside localhost', () => {
    const cookie = sessionCookie(token, 'https://pay.example.com');
    expect(cookie.split('; ')).toEqual(expect.arrayContaining([`paypilot_console=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Secure']));
    expect(cookie).not.toMatch(/Max-Age|Expires/);
  });
  it('drops Secure only for plain HTTP on 127.0.0.1 or localhost', () => {
    expect(sessionCookie(token, 'http://127.0.0.1:4000')).not.toContain('Secure');
    expect(sessionCookie(token, 'http://localhost:4000')).not.toContain('Secure');
    expect(sessionCookie(token, 'http://pay.example.com')).toContain('Secure');
    expect(sessionCookie(token, 'http://127.0.0.1.example.com')).toContain('Secure');
  });
  it('is cleared with Max-Age=0', () => {
    expect(clearedSessionCookie('https://pay.example.com')).toMatch(/^paypilot_console=; Path=\/; HttpOnly; SameSite=Strict; Secure; Max-Age=0$/);
  });
  it('is read from a Cookie header among others, and a malformed value is none', () => {
    expect(sessionTokenFrom(`x=1; paypilot_console=${token}; y=2`)).toBe(token);
    expect(sessionTokenFrom('paypilot_console=not a token')).toBeNull();
    expect(sessionTokenFrom(undefined)).toBeNull();
  });
});
