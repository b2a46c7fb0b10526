// moved to src/lib/scopes.ts (pure, below the serializers); kept here for the services that import it
export * from '../../lib/scopes.ts';
