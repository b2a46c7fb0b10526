// moved to src/lib/user-roles.ts (pure, below the serializers); kept here for the services that import it
export * from '../../lib/user-roles.ts';
