import { describe, expect, it } from 'vitest';
import { gbDateTime, gbEvaluationRecord, gbRegionCode, gbServiceObject, GB_EVALUATION_FIELDS } from '../../../server/src/exchange/gbt39046.logic.js';

// GB/T 39046-2020 表9 (standards.md): the JSON export of ratings writes the standard's elements in its forms.
describe('GB/T 39046 表9 evaluation record (R26)', () => {
  it('writes a hand-made rating in the standard forms: YYYYMMDDThhmmss, 满意度代码 1 = 非常满意, 9-digit 行政区划, 服务对象 codes', () => {
    const record = gbEvaluationRecord({
      projectNo: 'BJ2026112100017',
      channel: 'WINDOW',
      raterName: '张*',
      ratedAt: Date.UTC(2026, 10, 21, 2, 15, 3), // 10:15:03 in Beijing
      assessNumber: 1,
      level: 1,
      comment: '窗口人员态度差',
      regionCode: '419901001000',
      taskName: '个体工商户设立登记',
      taskCode: '11419901M0001',
      itemType: '01',
      deptCode: '11419901MB0000000X',
      deptName: '东城区市场监督管理局',
      userProp: 6,
    });
    expect(Object.keys(record)).toEqual([...GB_EVALUATION_FIELDS]);
    expect(record).toEqual({
      办件编号: 'BJ2026112100017',
      评价渠道: '政务大厅平板电脑',
      评价人: '张*',
      评价时间: '20261121T101503',
      评价次数: 1,
      满意度: '非常不满意',
      满意度代码: 5,
      文字评价: '窗口人员态度差',
      行政区划: '419901001',
      事项名称: '个体工商户设立登记',
      实施编码: '11419901M0001',
      事项类型: '01',
      统一社会信用代码: '11419901MB0000000X',
      机构名称: '东城区市场监督管理局',
      服务对象: 5,
    });
  });

  it('maps the interface userProp to 服务对象 where the lists differ, and times across midnight to the Beijing day', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map(gbServiceObject)).toEqual([1, 2, 3, 4, 6, 5, 6]);
    expect(gbDateTime(Date.UTC(2026, 11, 31, 16, 0, 0))).toBe('20270101T000000');
    expect(gbRegionCode('110101000000')).toBe('110101000');
  });
});
