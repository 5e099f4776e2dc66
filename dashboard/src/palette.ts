/**
 * Colours readable by colour-blind viewers: the Okabe–Ito set. Good and bad are blue and vermillion
 * (distinct for every common colour-vision deficiency), and no figure is told by colour alone: levels
 * and channels always carry their names.
 */
export const OKABE_ITO = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  grey: '#999999',
} as const;

export const GOOD = OKABE_ITO.skyBlue;
export const BAD = OKABE_ITO.vermillion;

/** Level 5 … 1: a blue-to-orange scale with a neutral middle (基本满意). */
export const LEVEL_COLORS: Record<number, string> = {
  5: OKABE_ITO.blue,
  4: OKABE_ITO.skyBlue,
  3: '#B8B8B8',
  2: OKABE_ITO.orange,
  1: OKABE_ITO.vermillion,
};

/** Categorical series (channels): the Okabe–Ito order, then greys. */
export const CATEGORY_COLORS = [
  OKABE_ITO.skyBlue,
  OKABE_ITO.orange,
  OKABE_ITO.green,
  OKABE_ITO.yellow,
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
  OKABE_ITO.purple,
  '#BBBBBB',
  '#777777',
  '#DDDDDD',
];

/** The big screen's dark theme. */
export const SCREEN_THEME = {
  background: '#07162B',
  panel: '#0D2340',
  text: '#F2F6FB',
  muted: '#A9BCD3',
  grid: '#27476B',
} as const;
