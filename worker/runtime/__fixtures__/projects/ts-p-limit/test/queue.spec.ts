// Tests for the vendored yocto-queue, written after upstream's test.js (ava) and readme.
import { beforeEach, describe, expect, it } from 'vitest';
import Queue from '../src/queue';

describe('Queue', () => {
	let queue: Queue<number>;

	beforeEach(() => {
		queue = new Queue<number>();
	});

	it('.enqueue()', () => {
		queue.enqueue(123);
		expect(queue.dequeue()).toBe(123);
	});

	it('.dequeue()', () => {
		expect(queue.dequeue()).toBeUndefined();
		expect(queue.dequeue()).toBeUndefined();
		queue.enqueue(123);
		expect(queue.dequeue()).toBe(123);
		expect(queue.dequeue()).toBeUndefined();
	});

	it('.peek()', () => {
		expect(queue.peek()).toBeUndefined();
		queue.enqueue(123);
		expect(queue.peek()).toBe(123);
		queue.enqueue(456);
		expect(queue.peek()).toBe(123);
		queue.dequeue();
		expect(queue.peek()).toBe(456);
	});

	it('.clear()', () => {
		queue.enqueue(1);
		queue.clear();
		queue.enqueue(1);
		queue.enqueue(2);
		queue.clear();
		expect(queue.size).toBe(0);
		expect(queue.dequeue()).toBeUndefined();
	});

	it('.size', () => {
		expect(queue.size).toBe(0);
		queue.clear();
		expect(queue.size).toBe(0);
		queue.enqueue(1);
		expect(queue.size).toBe(1);
		queue.enqueue(2);
		expect(queue.size).toBe(2);
		queue.dequeue();
		expect(queue.size).toBe(1);
		queue.dequeue();
		expect(queue.size).toBe(0);
		queue.dequeue();
		expect(queue.size).toBe(0);
	});

	it('iterable', () => {
		queue.enqueue(1);
		queue.enqueue(2);
		expect([...queue]).toEqual([1, 2]);
		expect(queue.size).toBe(2);
	});

	it('.drain()', () => {
		queue.enqueue(1);
		queue.enqueue(2);
		expect([...queue.drain()]).toEqual([1, 2]);
		expect(queue.size).toBe(0);
		expect(queue.dequeue()).toBeUndefined();
	});

	it('enqueue after dequeue to empty', () => {
		queue.enqueue(1);
		queue.dequeue();
		queue.enqueue(2);
		expect([...queue]).toEqual([2]);
		expect(queue.peek()).toBe(2);
	});
});
