import type { Messages } from './zh-CN.js';

export const en: Messages = {
  app: { title: 'Government service ratings', demo: 'Demo data', demoNote: 'Demo data · invented city, not real figures', language: '中文', languageLabel: 'Switch to Chinese' },
  level: { 5: 'Very satisfied', 4: 'Satisfied', 3: 'Basically satisfied', 2: 'Dissatisfied', 1: 'Very dissatisfied' },
  channel: {
    PC: 'Web', APP: 'Mobile app', MINI_PROGRAM: 'Mini program', QR: 'QR code', WINDOW: 'Window evaluator', TERMINAL: 'Self-service terminal',
    HOTLINE: '12345 hotline', SMS: 'SMS', IMPORT: 'Department systems', DEFAULT: 'Default',
  },
  dimension: {
    commitment: 'Commitments kept', attitude: 'Attitude', materials: 'Application materials', efficiency: 'Efficiency',
    trips: 'Number of trips', mechanism: 'Service mechanism', integrity: 'Diligence and integrity',
  },
  connection: { live: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', offline: 'Disconnected', updated: 'Updated {time}', never: 'Not updated yet' },
  screen: {
    title: 'Government service ratings, live', total: 'Ratings', good: 'Good', bad: 'Bad', goodRate: 'Good rate', badRate: 'Bad rate',
    unratedRate: 'Unrated rate', rectificationRate: 'Rectified', callbackRate: 'Called back',
    districts: 'By region', ranking: 'Departments by good rate', channels: 'Channels', hotTags: 'Hot tags', trend: 'Last 30 days',
    feed: 'Latest ratings', overdue: 'Rectification', overdueOpen: 'Overdue, open', openCases: 'In progress', onTimeRate: 'On time', overdueEver: 'Ever overdue', overdueNone: 'No overdue rectifications', allRegions: 'All', up: 'Up one level', drill: 'Show {name}',
    noData: 'No data yet', suppressed: 'Too few ratings', ratings: '{n} ratings', rank: 'No. {n}', perDay: 'Ratings per day', goodRateAxis: 'Good rate',
    daysOverdue: '{n} days overdue',
  },
  widget: { title: 'Service ratings, live', total: 'Ratings', goodRate: 'Good rate', bad: 'Bad reviews', hotTags: 'Hot tags', more: 'Open the big screen' },
  rate: {
    title: 'Rate this service', intro: 'Please rate the government service you received', item: 'Service', caseNo: 'Case number', department: 'Department', staff: 'Staff number',
    levels: 'Overall rating (required)', dimensions: 'Ratings by aspect (optional)', dimensionsHint: 'You may rate each aspect separately', tags: 'Tags (choose any)',
    tagsBad: 'Choose what went wrong or write a comment (one of them is required for a bad rating)', comment: 'Comments (optional)', commentBad: 'Comments', commentPlaceholder: 'Tell us what we can improve',
    chars: '{n}/{max} characters', submit: 'Send rating', submitting: 'Sending…', loading: 'Loading…', needLevel: 'Choose an overall rating first',
    needTagOrComment: 'A bad rating needs at least one tag or a comment', thanks: 'Thank you for your rating!', thanksDetail: 'Your rating has been recorded. It helps us improve.',
    badFollowUp: 'We have received your bad review: the department will fix the problem within the time limit and call you back.',
    expired: 'This rating QR code has expired', expiredDetail: 'Ask the staff at the window for a new rating QR code.', invalid: 'This rating link is not valid',
    invalidDetail: 'Scan the QR code on your receipt again.', used: 'This service has already been rated', usedDetail: 'Each service can be rated once. Thank you.',
    closed: 'The rating period has ended', closedDetail: 'This service can no longer be rated.',
    network: 'Network problem: your rating is saved on this device and will be sent automatically…', retryNow: 'Retry now', failed: 'Could not send: {message}', none: 'No rating',
    stars: '{n} stars',
  },
  device: {
    idleTitle: 'Welcome', idleHint: 'When your business is done, please rate our service here', window: 'Window {no}', terminal: 'Terminal {no}',
    staff: 'Staff', workNo: 'No. {no}', hall: 'Service hall', rateNow: 'Please rate this service', item: 'Service', caseNo: 'Case number',
    terminalNo: 'Terminal', tags: 'What went wrong? (required for a bad rating)', tagsGood: 'Add tags if you like', submit: 'Send rating', cancel: 'Back',
    thanks: 'Thank you for your rating!', sending: 'Sending…', retrying: 'Network problem, retrying…',
    keyTitle: 'Device setup', keyLabel: 'Device key', keyHint: 'Enter the device key issued by the administrator (once; it is kept on this device)',
    keySave: 'Save', keyChange: 'Change key', keyRejected: 'The device key is not valid for this device; enter it again', loadFailed: 'Could not load this device: {message}',
    returning: 'Back in {n} s',
  },
  home: { screen: 'Hall big screen', widget: 'Portal widget', rate: 'Rating page (from a receipt QR code)', window: 'Window evaluator', terminal: 'Self-service terminal', api: 'GraphQL API' },
};
