import { computed, ref, watch } from 'vue';
import type { Tag } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { tagsForLevel } from './tags.js';

/**
 * The level, tags and comment of a citizen's answer (the rating page and the follow-up page): the tags
 * offered follow the chosen level, and a bad review (level 2 or 1) needs a tag or a comment (R9).
 */
export function useAnswerForm() {
  const { t } = useI18n();
  const level = ref<number | null>(null);
  const tags = ref<string[]>([]);
  const available = ref<Tag[]>([]);
  const comment = ref('');
  const problem = ref<string | null>(null);
  const isBad = computed(() => level.value !== null && level.value <= 2);

  // A hint about what is missing goes away as soon as the rater changes something.
  watch([level, tags, comment], () => {
    problem.value = null;
  });
  watch(level, async (value) => {
    tags.value = [];
    available.value = [];
    if (value === null) return;
    try {
      available.value = await tagsForLevel(value);
    } catch {
      available.value = [];
    }
  });

  /** Says what is missing and returns the id of the field to focus, or null when the answer may be sent. */
  function missing(): 'levels' | 'tags' | null {
    problem.value = null;
    if (level.value === null) {
      problem.value = t('rate.needLevel');
      return 'levels';
    }
    if (isBad.value && tags.value.length === 0 && !comment.value.trim()) {
      problem.value = t('rate.needTagOrComment');
      return 'tags';
    }
    return null;
  }

  return { level, tags, available, comment, problem, isBad, missing };
}
