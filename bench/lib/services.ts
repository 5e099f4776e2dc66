/** Completed services to rate, shared by the subscribers and ingest scenarios. */
import { freshEm, registerService, type Actor, type App, type Em } from './server.js';

export interface ServiceRef {
  projectNo: string;
  serviceNumber: number;
}

/** The fields of a completed service record of the system's department (projectNo added per request). */
export async function registerTemplate(app: App, system: Actor): Promise<Record<string, unknown>> {
  const em = freshEm(app);
  const dept = (
    await em.execute<Array<{ credit_code: string; path: string }>>('select credit_code, path from department where id = ?', [system.departmentId])
  )[0]!;
  const item = (
    await em.execute<Array<{ task_code: string }>>(
      `select i.task_code from item i join department d on d.id = i.department_id where d.path like ? order by i.id limit 1`,
      [`${dept.path}%`],
    )
  )[0]!;
  return {
    serviceNumber: 1,
    serviceName: '办结',
    taskCode: item.task_code,
    deptCode: dept.credit_code,
    proStatus: 3,
    proChannel: 2,
    resultDate: new Date(app.clock.now().getTime() - 60_000).toISOString(),
    userName: '演示用户',
    mobile: '13800000000',
    certKey: '410102199001011234',
    userProp: 1,
  };
}

/** Registers completed services of the demo police department with its business system's key (in-process, as the API does). */
export async function registerServices(app: App, system: Actor, count: number, prefix: string, concurrency = 1): Promise<ServiceRef[]> {
  const template = await registerTemplate(app, system);
  const services: ServiceRef[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const projectNo = `${prefix}${String(next++).padStart(7, '0')}`;
      await registerService(app, system, { ...template, projectNo, resultDate: new Date(template.resultDate as string) } as never);
      services.push({ projectNo, serviceNumber: 1 });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return services;
}

/**
 * `count` more services like the registered one at `projectNo` (its case, units and service rows
 * copied in SQL with project numbers prefix0000000…): registering tens of thousands through the API
 * one transaction at a time would take minutes, and the rating path reads them exactly as it reads
 * registered ones.
 */
export async function cloneServices(app: App, projectNo: string, prefix: string, count: number): Promise<void> {
  const postgres = app.dialect === 'postgresql';
  await freshEm(app).transactional(async (t) => {
    const tx = t as Em;
    const columns = async (table: string) =>
      (
        await tx.execute<Array<{ name: string }>>(
          postgres
            ? `select column_name as name from information_schema.columns where table_name = '${table}' order by ordinal_position`
            : `pragma table_info(${table})`,
        )
      )
        .map((c) => c.name)
        .filter((c) => c !== 'id');
    const pick = (cols: string[], alias: string, overrides: Record<string, string>) => cols.map((c) => overrides[c] ?? `${alias}.${c}`).join(', ');
    const template = (
      await tx.execute<Array<{ id: number; case_id: number }>>('select id, case_id from service where project_no = ? and service_number = 1', [projectNo])
    )[0]!;
    const caseCols = await columns('case_record');
    const unitCols = await columns('case_unit');
    const serviceCols = await columns('service');
    const numbered = postgres ? `? || lpad(seq.i::text, 7, '0')` : `? || substr('0000000' || seq.i, -7)`;
    await tx.execute(
      `with recursive seq(i) as (select 0 union all select i + 1 from seq where i < ?)
       insert into case_record (${caseCols.join(', ')})
       select ${pick(caseCols, 't', { project_no: numbered })} from seq, case_record t where t.id = ?`,
      [count - 1, prefix, template.case_id],
    );
    await tx.execute(
      `insert into case_unit (${unitCols.join(', ')})
       select ${pick(unitCols, 't', { case_id: 'c.id' })} from case_record c, case_unit t
        where c.project_no like ? and length(c.project_no) = ? and t.case_id = ?`,
      [`${prefix}%`, prefix.length + 7, template.case_id],
    );
    await tx.execute(
      `insert into service (${serviceCols.join(', ')})
       select ${pick(serviceCols, 't', { case_id: 'c.id', project_no: 'c.project_no' })} from case_record c, service t
        where c.project_no like ? and length(c.project_no) = ? and t.id = ?`,
      [`${prefix}%`, prefix.length + 7, template.id],
    );
  });
}
