import { SpinBudget } from './spin-budget';

describe('SpinBudget', () => {
  it('allows spins until the window has spent its budget, then none until the next window', () => {
    const budget = new SpinBudget(20, 1_000);
    expect(budget.allows(0)).toBe(true);
    budget.spent(5);
    expect(budget.allows(10)).toBe(true);
    budget.spent(15);
    expect(budget.allows(20)).toBe(false);
    expect(budget.allows(999)).toBe(false);
    expect(budget.allows(1_000)).toBe(true);
  });

  it('a new window starts from the first spin after the last one ended', () => {
    const budget = new SpinBudget(10, 1_000);
    expect(budget.allows(5_000)).toBe(true);
    budget.spent(10);
    expect(budget.allows(5_999)).toBe(false);
    expect(budget.allows(6_000)).toBe(true);
  });

  it('never counts negative time', () => {
    const budget = new SpinBudget(1, 1_000);
    budget.spent(-50);
    expect(budget.allows(0)).toBe(true);
  });
});
