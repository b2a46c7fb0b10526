// moved to src/lib/app-icons.ts (pure, below the serializers); kept here for the services that import it
export * from '../../lib/app-icons.ts';
