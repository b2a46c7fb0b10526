// moved to src/lib/text/plain-to-html.ts (pure, below the serializers); kept here for the services that import it
export * from '../../../lib/text/plain-to-html.ts';
