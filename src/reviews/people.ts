/**
 * The people who may decide reviews, as configured (`people:` in the configuration): one canonical identity per
 * person across Slack and the terminal, so two adapters (or two spellings) never make one person count twice.
 */
import type { Approver } from './model.js';

export interface Person {
  /** Canonical id: what decisions are stored under and what policies may name. */
  id: string;
  /** Display name. */
  name?: string;
  email?: string;
  /** Slack user id (U…/W…): a click by this user is this person. */
  slack?: string;
  /** Group names this person belongs to, as far as Airlock is concerned. */
  groups: string[];
}

const key = (identifier: string): string => identifier.trim().toLowerCase();

/** Identifiers that name two people (configuration mistakes: one of them could act as the other). */
export function identifierConflicts(people: readonly Person[]): string[] {
  const seen = new Map<string, Person>();
  const conflicts: string[] = [];
  for (const person of people) {
    for (const identifier of new Set(identifiersOf(person).map(key))) {
      const other = seen.get(identifier);
      if (other) conflicts.push(`"${identifier}" names both ${other.id} and ${person.id}`);
      else seen.set(identifier, person);
    }
  }
  return conflicts;
}

export class PeopleDirectory {
  private readonly byIdentifier = new Map<string, Person>();

  /** `people` as the configuration schema validated them: no identifier names two people. */
  constructor(readonly people: readonly Person[]) {
    const [conflict] = identifierConflicts(people);
    if (conflict) throw new Error(`people: ${conflict}`);
    for (const person of people) {
      for (const identifier of identifiersOf(person)) this.byIdentifier.set(key(identifier), person);
    }
  }

  /** The person an immutable identifier names (id, email or Slack user id), case-insensitively. */
  find(identifier: string): Person | undefined {
    return this.byIdentifier.get(key(identifier));
  }
}

function identifiersOf(person: Person): string[] {
  return [person.id, ...(person.email ? [person.email] : []), ...(person.slack ? [person.slack] : [])];
}

/**
 * Who `--as <name>` is. A name the directory knows is that person, with the directory's groups (never groups the
 * caller declares). Any other name is recorded as typed but unverified: it can act only as break-glass.
 */
export function terminalApprover(directory: PeopleDirectory, as: string): Approver {
  const person = directory.find(as);
  return person
    ? personApprover(person, 'terminal')
    : { id: as, name: as, identifiers: [as], groups: [], via: 'terminal', verified: false };
}

/** A configured person deciding through `via`. */
export function personApprover(person: Person, via: Approver['via']): Approver {
  return {
    id: person.id,
    name: person.name ?? person.id,
    identifiers: identifiersOf(person),
    ...(person.email ? { email: person.email } : {}),
    groups: [...person.groups],
    via,
    verified: true,
  };
}
