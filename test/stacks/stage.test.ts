import { describe, expect, it } from 'vitest';
import { isPermanentStage, removalFor } from '../../stacks/stage.ts';

describe('stage policy', () => {
  it.each([
    { case: 'production', stage: 'production', permanent: true, removal: 'retain-all' },
    { case: 'a personal stage', stage: 'alice', permanent: false, removal: 'retain' },
    { case: 'a look-alike of production', stage: 'production-copy', permanent: false, removal: 'retain' },
  ])('$case', ({ stage, permanent, removal }) => {
    // Act
    const result = { permanent: isPermanentStage(stage), removal: removalFor(stage) };

    // Assess
    expect(result).toEqual({ permanent, removal });
  });
});
