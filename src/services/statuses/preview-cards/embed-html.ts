// moved to src/lib/embed-html.ts (pure, below the serializers); kept here for the services that import it
export * from '../../../lib/embed-html.ts';
