// moved to src/lib/languages.ts (pure, below the serializers); kept here for the services that import it
export * from '../../lib/languages.ts';
