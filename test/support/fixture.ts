import type { App } from '../../server/src/app/app.js';
import { AppUserSchema, type AppUser } from '../../server/src/auth/auth.entities.js';
import { createApiKey, createUser } from '../../server/src/auth/auth.service.js';
import {
  DepartmentSchema,
  HallSchema,
  ItemSchema,
  RegionSchema,
  ServiceWindowSchema,
  StaffSchema,
  TerminalSchema,
} from '../../server/src/catalog/catalog.entities.js';
import { makeCreditCode } from '../../server/src/catalog/credit-code.logic.js';
import type { Em } from '../../server/src/db/orm.js';
import type { TestServer } from './server.js';

export const CITY = '419900000000';
export const DISTRICT_A = '419901000000';
export const DISTRICT_B = '419902000000';
export const TOWNSHIP_A1 = '419901001000';

/** A small catalog: one city, two districts, four departments (one a sub-unit), items, a hall, people and keys. */
export async function makeFixture(server: TestServer) {
  const app: App = server.app;
  const em = app.orm.em.fork() as Em;
  const now = app.clock.now().getTime();
  for (const [code, name, level, parent] of [
    ['410000000000', '示范省', 'PROVINCE', null],
    [CITY, '河清市', 'CITY', '410000000000'],
    [DISTRICT_A, '东城区', 'DISTRICT', CITY],
    [DISTRICT_B, '西城区', 'DISTRICT', CITY],
    [TOWNSHIP_A1, '东关街道', 'TOWNSHIP', DISTRICT_A],
  ] as const)
    em.create(RegionSchema, { code, name, level, parentCode: parent });
  await em.flush();
  const dept = async (name: string, region: string, serial: number, parent?: { id: number; path: string }) => {
    const d = em.create(DepartmentSchema, {
      creditCode: makeCreditCode(region.slice(0, 6), serial),
      name,
      regionCode: region,
      parentId: parent?.id ?? null,
      path: '',
    });
    await em.flush();
    d.path = `${parent?.path ?? '/'}${d.id}/`;
    await em.flush();
    return d;
  };
  const police = await dept('河清市公安局', CITY, 1);
  const exitEntry = await dept('河清市公安局出入境管理支队', CITY, 2, police);
  const market = await dept('东城区市场监督管理局', DISTRICT_A, 3);
  const social = await dept('西城区人力资源和社会保障局', DISTRICT_B, 4);
  const item = (taskCode: string, name: string, departmentId: number) =>
    em.create(ItemSchema, {
      taskCode,
      handleItemCode: `${taskCode}01`,
      name,
      itemType: '01',
      departmentId,
    });
  const items = {
    idCard: item('11419900P0001', '居民身份证换领', police.id),
    passport: item('11419900P0002', '普通护照签发', exitEntry.id),
    business: item('11419901M0001', '个体工商户设立登记', market.id),
    pension: item('11419902S0001', '城乡居民养老保险参保登记', social.id),
  };
  const hall = em.create(HallSchema, { name: '东城区政务服务中心', regionCode: DISTRICT_A });
  await em.flush();
  const window = em.create(ServiceWindowSchema, { hallId: hall.id, no: 'A01', name: '综合受理窗口', departmentId: market.id });
  const otherWindow = em.create(ServiceWindowSchema, { hallId: hall.id, no: 'A02', name: '综合受理窗口', departmentId: market.id });
  const terminal = em.create(TerminalSchema, { hallId: hall.id, no: 'T01', name: '自助终端1号' });
  await em.flush();
  const staff = em.create(StaffSchema, { departmentId: market.id, workNo: '0101023', name: '王晓明', windowId: window.id });
  const officer = em.create(StaffSchema, { departmentId: police.id, workNo: '0200001', name: '李静', windowId: null });
  await em.flush();
  const user = (input: UserInput) => fixtureUser(em, input, now, app.config.passwordHashCost);
  await user({ username: 'police', password: 'police-pass', role: 'department', displayName: '公安局经办人', departmentId: police.id });
  await user({ username: 'market', password: 'market-pass', role: 'department', displayName: '市场监管经办人', departmentId: market.id });
  await user({ username: 'super', password: 'super-pass', role: 'supervisor', displayName: '市政务服务管理局', regionCode: CITY });
  await user({ username: 'admin', password: 'admin-pass', role: 'admin', displayName: '管理员' });
  await user({ username: 'security', password: 'security-pass', role: 'security', displayName: '安全管理员' });
  await user({ username: 'auditor', password: 'auditor-pass', role: 'auditor', displayName: '审计管理员' });
  const keys = {
    police: await createApiKey(em, { role: 'system', name: '公安业务系统', departmentId: police.id }, now, app.cipher),
    market: await createApiKey(em, { role: 'system', name: '市场监管业务系统', departmentId: market.id }, now, app.cipher),
    social: await createApiKey(em, { role: 'system', name: '人社业务系统', departmentId: social.id }, now, app.cipher),
    window: await createApiKey(em, { role: 'device', name: 'A01 评价器', windowId: window.id }, now, app.cipher),
    otherWindow: await createApiKey(em, { role: 'device', name: 'A02 评价器', windowId: otherWindow.id }, now, app.cipher),
    terminal: await createApiKey(em, { role: 'device', name: 'T01 自助终端', terminalId: terminal.id }, now, app.cipher),
  };
  return { departments: { police, exitEntry, market, social }, items, hall, window, otherWindow, terminal, staff, officer, keys };
}

export type Fixture = Awaited<ReturnType<typeof makeFixture>>;

/** The fixture's accounts as `createUser` first made them in this worker, by username (id left out). */
const madeUsers = new Map<string, Omit<AppUser, 'id'>>();
type UserInput = Parameters<typeof createUser>[1];

/**
 * `createUser` for the fixture's six accounts. Each of them hashes its password with scrypt (PASSWORD_HASH_COST;
 * at N=2^15 about 0.1 s of CPU), and every test server's fixture creates the same six accounts: the first fixture of a
 * worker process creates them with `createUser`, later ones store the same row again (same password
 * hash, so signing in still runs the real scrypt check), with their own department and time.
 */
async function fixtureUser(em: Em, input: UserInput, now: number, hashCost: number): Promise<AppUser> {
  const made = madeUsers.get(input.username);
  if (!made || made.role !== input.role) {
    const user = await createUser(em, input, now, hashCost);
    const row = Object.fromEntries(Object.keys(AppUserSchema.meta.properties).flatMap((k) => (k === 'id' ? [] : [[k, user[k as keyof AppUser]]])));
    madeUsers.set(input.username, row as Omit<AppUser, 'id'>);
    return user;
  }
  const user = em.create(AppUserSchema, {
    ...made,
    displayName: input.displayName,
    departmentId: input.departmentId ?? null,
    regionCode: input.regionCode ?? null,
    createdAt: now,
    passwordChangedAt: now,
  });
  await em.flush();
  return user;
}

export async function sessionToken(server: TestServer, username: string, password: string): Promise<string> {
  const res = await server.gql<{ login: { token: string } }>('mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', {
    u: username,
    p: password,
  });
  if (!res.data) throw new Error(`login failed: ${JSON.stringify(res.errors)}`);
  return res.data.login.token;
}
