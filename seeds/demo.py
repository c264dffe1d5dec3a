"""The demo catalog and community that `manage.py seed` loads.

Plain data, meant to be read and edited by hand. Film facts are the widely published ones;
overviews, user bios, reviews and replies were written for Marquee. Everyone here is
fictional except the film-makers, and no demo account has a usable password.

Reviews are listed oldest first: the seed spreads their dates over the past weeks in this
order, so "latest reviews" on the home page shows a mix of films.
"""

import re
import textwrap
from datetime import date

_BLOCK_START = re.compile(r"^(- |\* |> |\d+\. )")


def md(text):
    """Dedent `text` and unwrap its soft line breaks into Markdown paragraphs.

    Reviews render with hard line breaks, so a paragraph must be one line. A line that
    starts a list item or a quote keeps its own line; any other line joins the one above.
    """
    blocks = []
    for block in textwrap.dedent(text).strip().split("\n\n"):
        lines = []
        for line in block.strip().splitlines():
            line = line.strip()
            if lines and not _BLOCK_START.match(line):
                lines[-1] = f"{lines[-1]} {line}"
            else:
                lines.append(line)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


COUNTRIES = {
    "DE": "Germany",
    "FR": "France",
    "GB": "United Kingdom",
    "JP": "Japan",
    "KR": "South Korea",
    "US": "United States",
}

# Each film: cast is (person, character) in billing order; alternative titles are
# (title, ISO 639-1 language, ISO 3166-1 region).
FILMS = [
    {
        "slug": "her",
        "title": "Her",
        "tagline": "A Spike Jonze Love Story",
        "release_date": date(2013, 12, 18),
        "runtime_minutes": 126,
        "overview": md("""
            In a near-future Los Angeles, Theodore, a gentle and lonely man who writes other
            people's love letters for a living, installs a new operating system that talks
            back. Its voice, Samantha, is curious, funny and growing fast, and what starts as
            company becomes a romance neither of them quite expected.
        """),
        "genres": ["Romance", "Science Fiction", "Drama"],
        "companies": ["Annapurna Pictures", "Warner Bros. Pictures"],
        "countries": ["US"],
        "directors": ["Spike Jonze"],
        "writers": ["Spike Jonze"],
        "cast": [
            ("Joaquin Phoenix", "Theodore"),
            ("Scarlett Johansson", "Samantha (voice)"),
            ("Amy Adams", "Amy"),
            ("Rooney Mara", "Catherine"),
            ("Chris Pratt", "Paul"),
        ],
        "alternative_titles": [
            ("Ella", "es", "MX"),
            ("Ela", "pt", "BR"),
            ("Lei", "it", "IT"),
        ],
    },
    {
        "slug": "amelie",
        "title": "Amélie",
        "original_title": "Le Fabuleux Destin d'Amélie Poulain",
        "release_date": date(2001, 4, 25),
        "runtime_minutes": 122,
        "overview": md("""
            A shy Montmartre waitress finds a box of childhood treasures hidden in her flat
            and sets out to return it to its owner. Delighted by the result, she starts
            quietly rearranging the lives of the people around her, while avoiding the one
            adventure that is her own: a young man who collects discarded photo-booth
            pictures.
        """),
        "genres": ["Comedy", "Romance"],
        "companies": ["Claudie Ossard Productions", "UGC", "MMC Independent"],
        "countries": ["FR", "DE"],
        "directors": ["Jean-Pierre Jeunet"],
        "writers": ["Guillaume Laurant", "Jean-Pierre Jeunet"],
        "cast": [
            ("Audrey Tautou", "Amélie Poulain"),
            ("Mathieu Kassovitz", "Nino Quincampoix"),
            ("Rufus", "Raphaël Poulain"),
            ("Yolande Moreau", "Madeleine Wallace"),
            ("Dominique Pinon", "Joseph"),
        ],
        "alternative_titles": [
            ("Die fabelhafte Welt der Amélie", "de", "DE"),
            ("Il favoloso mondo di Amélie", "it", "IT"),
        ],
    },
    {
        "slug": "jurassic-park",
        "title": "Jurassic Park",
        "tagline": "An adventure 65 million years in the making.",
        "release_date": date(1993, 6, 11),
        "runtime_minutes": 127,
        "overview": md("""
            A billionaire invites two palaeontologists, a mathematician and his own
            grandchildren to preview his island theme park, where cloned dinosaurs are the
            star attraction. When a storm hits and the security systems fail, the visitors
            find themselves on the wrong side of the fences.
        """),
        "genres": ["Adventure", "Science Fiction"],
        "companies": ["Universal Pictures", "Amblin Entertainment"],
        "countries": ["US"],
        "directors": ["Steven Spielberg"],
        "writers": ["Michael Crichton", "David Koepp"],
        "cast": [
            ("Sam Neill", "Alan Grant"),
            ("Laura Dern", "Ellie Sattler"),
            ("Jeff Goldblum", "Ian Malcolm"),
            ("Richard Attenborough", "John Hammond"),
            ("Samuel L. Jackson", "Ray Arnold"),
        ],
        "alternative_titles": [("Parque Jurásico", "es", "ES")],
    },
    {
        "slug": "pacific-rim",
        "title": "Pacific Rim",
        "tagline": "To fight monsters, we created monsters.",
        "release_date": date(2013, 7, 12),
        "runtime_minutes": 131,
        "overview": md("""
            Giant creatures are rising from a breach in the floor of the Pacific, and
            humanity fights back with towering robots piloted by two people sharing one mind.
            A washed-up pilot and an untested rookie get one last chance to close the breach
            before the programme is shut down.
        """),
        "genres": ["Action", "Science Fiction", "Adventure"],
        "companies": ["Legendary Pictures", "Warner Bros. Pictures"],
        "countries": ["US"],
        "directors": ["Guillermo del Toro"],
        "writers": ["Travis Beacham", "Guillermo del Toro"],
        "cast": [
            ("Charlie Hunnam", "Raleigh Becket"),
            ("Idris Elba", "Stacker Pentecost"),
            ("Rinko Kikuchi", "Mako Mori"),
            ("Charlie Day", "Dr. Newton Geiszler"),
            ("Ron Perlman", "Hannibal Chau"),
        ],
        "alternative_titles": [("Titanes del Pacífico", "es", "MX")],
    },
    {
        "slug": "jumanji",
        "title": "Jumanji",
        "release_date": date(1995, 12, 15),
        "runtime_minutes": 104,
        "overview": md("""
            Two children find an old board game in their new house and start to play,
            releasing jungle animals into their town and freeing a man who has been trapped
            inside the game for twenty-six years. To put everything back, they have to finish
            the game he started as a boy.
        """),
        "genres": ["Adventure", "Fantasy", "Family"],
        "companies": ["TriStar Pictures", "Interscope Communications"],
        "countries": ["US"],
        "directors": ["Joe Johnston"],
        "writers": ["Jonathan Hensleigh", "Greg Taylor", "Jim Strain"],
        "cast": [
            ("Robin Williams", "Alan Parrish"),
            ("Jonathan Hyde", "Van Pelt / Sam Parrish"),
            ("Kirsten Dunst", "Judy Shepherd"),
            ("Bradley Pierce", "Peter Shepherd"),
            ("Bonnie Hunt", "Sarah Whittle"),
        ],
    },
    {
        "slug": "the-dark-knight",
        "title": "The Dark Knight",
        "tagline": "Why So Serious?",
        "release_date": date(2008, 7, 18),
        "runtime_minutes": 152,
        "overview": md("""
            With the help of Lieutenant Gordon and the new district attorney Harvey Dent,
            Batman sets out to dismantle Gotham's organised crime. Then a grinning anarchist
            who calls himself the Joker arrives, determined to prove that anyone, even the
            city's white knight, can be pushed to fall.
        """),
        "genres": ["Action", "Crime", "Drama"],
        "companies": ["Warner Bros. Pictures", "Legendary Pictures", "Syncopy", "DC Comics"],
        "countries": ["US", "GB"],
        "directors": ["Christopher Nolan"],
        "writers": ["Jonathan Nolan", "Christopher Nolan"],
        "cast": [
            ("Christian Bale", "Bruce Wayne / Batman"),
            ("Heath Ledger", "Joker"),
            ("Aaron Eckhart", "Harvey Dent"),
            ("Michael Caine", "Alfred Pennyworth"),
            ("Maggie Gyllenhaal", "Rachel Dawes"),
            ("Gary Oldman", "James Gordon"),
        ],
        "alternative_titles": [
            ("El caballero oscuro", "es", "ES"),
            ("Batman: El caballero de la noche", "es", "MX"),
        ],
    },
    {
        "slug": "lost-in-translation",
        "title": "Lost in Translation",
        "tagline": "Everyone wants to be found.",
        "release_date": date(2003, 9, 12),
        "runtime_minutes": 102,
        "overview": md("""
            A fading American film star in Tokyo to shoot a whisky commercial and a young
            woman left alone in the same hotel by her busy husband strike up an unlikely
            friendship across sleepless nights in a city neither of them understands.
        """),
        "genres": ["Drama", "Romance", "Comedy"],
        "companies": ["Focus Features", "American Zoetrope", "Tohokushinsha Film"],
        "countries": ["US", "JP"],
        "directors": ["Sofia Coppola"],
        "writers": ["Sofia Coppola"],
        "cast": [
            ("Bill Murray", "Bob Harris"),
            ("Scarlett Johansson", "Charlotte"),
            ("Giovanni Ribisi", "John"),
            ("Anna Faris", "Kelly"),
        ],
    },
    {
        "slug": "arrival",
        "title": "Arrival",
        "tagline": "Why are they here?",
        "release_date": date(2016, 11, 11),
        "runtime_minutes": 116,
        "overview": md("""
            When twelve mysterious spacecraft settle over sites around the world, the
            linguist Louise Banks is brought in by the US Army to find out what the visitors
            want. As she learns their language, her sense of time begins to change.
        """),
        "genres": ["Drama", "Science Fiction", "Mystery"],
        "companies": ["FilmNation Entertainment", "Lava Bear Films", "21 Laps Entertainment"],
        "countries": ["US"],
        "directors": ["Denis Villeneuve"],
        "writers": ["Eric Heisserer"],
        "cast": [
            ("Amy Adams", "Louise Banks"),
            ("Jeremy Renner", "Ian Donnelly"),
            ("Forest Whitaker", "Colonel Weber"),
            ("Michael Stuhlbarg", "Agent Halpern"),
        ],
        "alternative_titles": [
            ("La llegada", "es", "ES"),
            ("Premier Contact", "fr", "FR"),
        ],
    },
    {
        "slug": "spirited-away",
        "title": "Spirited Away",
        "original_title": "千と千尋の神隠し",
        "release_date": date(2001, 7, 20),
        "runtime_minutes": 125,
        "overview": md("""
            On the way to a new town, ten-year-old Chihiro and her parents wander into an
            abandoned theme park that turns out to be a world of spirits. When her parents
            are turned into pigs, she takes a job in a bathhouse for gods and monsters, run by
            the witch Yubaba, to find a way to free them and get home.
        """),
        "genres": ["Animation", "Family", "Fantasy"],
        "companies": ["Studio Ghibli"],
        "countries": ["JP"],
        "directors": ["Hayao Miyazaki"],
        "writers": ["Hayao Miyazaki"],
        "cast": [
            ("Rumi Hiiragi", "Chihiro Ogino / Sen (voice)"),
            ("Miyu Irino", "Haku (voice)"),
            ("Mari Natsuki", "Yubaba / Zeniba (voice)"),
            ("Bunta Sugawara", "Kamaji (voice)"),
        ],
        "alternative_titles": [
            ("El viaje de Chihiro", "es", "ES"),
            ("Le Voyage de Chihiro", "fr", "FR"),
            ("Sen to Chihiro no Kamikakushi", "ja", "JP"),
        ],
    },
    {
        "slug": "parasite",
        "title": "Parasite",
        "original_title": "기생충",
        "release_date": date(2019, 5, 30),
        "runtime_minutes": 132,
        "overview": md("""
            The Kims, a family of four scraping by in a semi-basement flat, talk their way
            one by one into jobs with the wealthy Park family. The arrangement works
            beautifully, until a visitor on a stormy night reveals that they are not the only
            ones keeping a secret in that house.
        """),
        "genres": ["Comedy", "Thriller", "Drama"],
        "companies": ["Barunson E&A", "CJ Entertainment"],
        "countries": ["KR"],
        "directors": ["Bong Joon Ho"],
        "writers": ["Bong Joon Ho", "Han Jin-won"],
        "cast": [
            ("Song Kang-ho", "Kim Ki-taek"),
            ("Lee Sun-kyun", "Park Dong-ik"),
            ("Cho Yeo-jeong", "Choi Yeon-gyo"),
            ("Choi Woo-shik", "Kim Ki-woo"),
            ("Park So-dam", "Kim Ki-jung"),
        ],
        "alternative_titles": [
            ("Parásitos", "es", "ES"),
            ("Gisaengchung", "ko", "KR"),
        ],
    },
    {
        "slug": "eternal-sunshine-of-the-spotless-mind",
        "title": "Eternal Sunshine of the Spotless Mind",
        "tagline": md("""
            You can erase someone from your mind. Getting them out of your heart is another
            story.
        """),
        "release_date": date(2004, 3, 19),
        "runtime_minutes": 108,
        "overview": md("""
            When Joel learns that his ex-girlfriend Clementine has had every memory of him
            erased, he books the same procedure. Halfway through, as their shared past
            disappears around him, he realises he wants to keep it after all.
        """),
        "genres": ["Science Fiction", "Drama", "Romance"],
        "companies": ["Focus Features", "Anonymous Content", "This Is That Productions"],
        "countries": ["US"],
        "directors": ["Michel Gondry"],
        "writers": ["Charlie Kaufman", "Michel Gondry", "Pierre Bismuth"],
        "cast": [
            ("Jim Carrey", "Joel Barish"),
            ("Kate Winslet", "Clementine Kruczynski"),
            ("Kirsten Dunst", "Mary Svevo"),
            ("Mark Ruffalo", "Stan"),
            ("Elijah Wood", "Patrick"),
        ],
        "alternative_titles": [("¡Olvídate de mí!", "es", "ES")],
    },
    {
        "slug": "love-simon",
        "title": "Love, Simon",
        "tagline": "Everyone deserves a great love story.",
        "release_date": date(2018, 3, 16),
        "runtime_minutes": 110,
        "overview": md("""
            Seventeen-year-old Simon Spier hasn't told his family or friends that he's gay.
            When his anonymous email romance with a classmate falls into the wrong hands, he
            has to find a way to come out on his own terms.
        """),
        "genres": ["Comedy", "Drama", "Romance"],
        "companies": ["Fox 2000 Pictures", "Temple Hill Entertainment"],
        "countries": ["US"],
        "directors": ["Greg Berlanti"],
        "writers": ["Isaac Aptaker", "Elizabeth Berger"],
        "cast": [
            ("Nick Robinson", "Simon Spier"),
            ("Jennifer Garner", "Emily Spier"),
            ("Josh Duhamel", "Jack Spier"),
            ("Katherine Langford", "Leah Burke"),
            ("Alexandra Shipp", "Abby Suso"),
        ],
    },
    {
        "slug": "hotel-transylvania-3-summer-vacation",
        "title": "Hotel Transylvania 3: Summer Vacation",
        "release_date": date(2018, 7, 13),
        "runtime_minutes": 97,
        "overview": md("""
            Dracula, his family and their monster friends take a break from running the hotel
            and set sail on a monster cruise, where Drac falls for the ship's captain, Ericka,
            who has a family secret of her own.
        """),
        "genres": ["Animation", "Comedy", "Family", "Fantasy"],
        "companies": ["Sony Pictures Animation", "Columbia Pictures"],
        "countries": ["US"],
        "directors": ["Genndy Tartakovsky"],
        "writers": ["Genndy Tartakovsky", "Michael McCullers"],
        "cast": [
            ("Adam Sandler", "Dracula (voice)"),
            ("Andy Samberg", "Johnny (voice)"),
            ("Selena Gomez", "Mavis (voice)"),
            ("Kevin James", "Frankenstein (voice)"),
            ("Kathryn Hahn", "Ericka (voice)"),
        ],
    },
    {
        "slug": "blade-runner-2049",
        "title": "Blade Runner 2049",
        "release_date": date(2017, 10, 6),
        "runtime_minutes": 164,
        "overview": md("""
            Thirty years after the first film, K, a replicant who hunts other replicants for
            the LAPD, uncovers a long-buried secret that could upend what is left of society.
            His search leads him to Rick Deckard, a former blade runner who has been missing
            for decades.
        """),
        "genres": ["Science Fiction", "Drama", "Thriller"],
        "companies": ["Alcon Entertainment", "Columbia Pictures", "Scott Free Productions"],
        "countries": ["US"],
        "directors": ["Denis Villeneuve"],
        "writers": ["Hampton Fancher", "Michael Green"],
        "cast": [
            ("Ryan Gosling", "K"),
            ("Harrison Ford", "Rick Deckard"),
            ("Ana de Armas", "Joi"),
            ("Robin Wright", "Lieutenant Joshi"),
            ("Jared Leto", "Niander Wallace"),
        ],
    },
    {
        "slug": "moonlight",
        "title": "Moonlight",
        "release_date": date(2016, 10, 21),
        "runtime_minutes": 111,
        "overview": md("""
            Told in three chapters, the life of Chiron growing up in Miami: a quiet boy
            bullied at school, a teenager whose mother is sinking into addiction, and a
            guarded grown man who returns to face the one person who ever really knew him.
        """),
        "genres": ["Drama"],
        "companies": ["A24", "Plan B Entertainment", "PASTEL"],
        "countries": ["US"],
        "directors": ["Barry Jenkins"],
        "writers": ["Barry Jenkins", "Tarell Alvin McCraney"],
        "cast": [
            ("Trevante Rhodes", "Black"),
            ("André Holland", "Kevin"),
            ("Janelle Monáe", "Teresa"),
            ("Ashton Sanders", "Chiron"),
            ("Naomie Harris", "Paula"),
            ("Mahershala Ali", "Juan"),
        ],
    },
]

# Fictional members. Their e-mail is <username>@example.com.
USERS = [
    {
        "username": "ada_frames",
        "display_name": "Ada Mensah",
        "bio": "Projectionist for six years, data analyst now, still counting reel changes. "
        "Soft spot for quiet films with loud sound design.",
    },
    {
        "username": "theo_l",
        "display_name": "Theo Lindqvist",
        "bio": "I write greeting-card verse for a living (really). Here for romances and "
        "anything with a great score.",
    },
    {
        "username": "marisol",
        "display_name": "Marisol Vega",
        "bio": "Subtitle nerd who grew up between Madrid and Monterrey. I rate the film, not "
        "the dubbing, but I notice the dubbing.",
    },
    {
        "username": "popcornpete",
        "display_name": "Pete Alvarez",
        "bio": "Blockbusters, monster movies and whatever is on the biggest screen in town. "
        "Unashamed.",
    },
    {
        "username": "junepark",
        "display_name": "June Park",
        "bio": "Animation, Korean cinema and long walks home after the credits.",
    },
    {
        "username": "kaijukid",
        "display_name": "Kenji Aoki",
        "bio": "If a robot punches a monster, I am there on opening night. Also Ghibli, forever.",
    },
    {
        "username": "lumiere",
        "display_name": "Lucie Marchand",
        "bio": "Paris-born, Lisbon-based, runs a Thursday film club. Short reviews, strong "
        "opinions.",
    },
    {
        "username": "midnightmatinee",
        "display_name": "Ravi Menon",
        "bio": "Night-shift nurse catching up on the classics one late screening at a time.",
    },
    {
        "username": "grumpycritic",
        "display_name": "Harold Pym",
        "bio": "Forty years of cinema-going and still waiting to be impressed. Half stars are "
        "earned, not given.",
    },
    {
        "username": "samwrites",
        "display_name": "Sam Okonkwo",
        "bio": "Screenwriting student. I pause films to take notes, sorry.",
    },
]

# Ratings are on the stored 1..10 scale (half stars). No body means a rating on its own.
REVIEWS = [
    {
        "film": "jurassic-park",
        "author": "popcornpete",
        "rating": 10,
        "headline": "Still the best 'welcome to' in the movies",
        "body": md("""
            The first time the brachiosaurus walks into frame and the music swells, I am eight
            years old again. Spielberg holds back the T. rex until the storm, then makes a
            glass of water the scariest thing on screen.

            Thirty years on, the effects hold up better than half of what came out last
            summer.
        """),
    },
    {
        "film": "her",
        "author": "lumiere",
        "rating": 10,
    },
    {
        "film": "spirited-away",
        "author": "kaijukid",
        "rating": 10,
        "headline": "The best film ever made, and I will fight you",
        "body": md("""
            Every corner of the bathhouse is full of something: soot sprites hauling coal, a
            radish spirit riding the lift, No-Face waiting on the bridge. Chihiro starts the
            film sulking in the back seat of a car and ends it brave, without ever turning
            into somebody else.

            Watch it in Japanese with subtitles if you can.
        """),
    },
    {
        "film": "hotel-transylvania-3-summer-vacation",
        "author": "grumpycritic",
        "rating": 1,
        "headline": "Abandon ship",
        "body": "Ninety minutes of pratfalls on a cruise ship. The children behind me laughed "
        "twice; I counted.",
    },
    {
        "film": "her",
        "author": "ada_frames",
        "rating": 9,
        "headline": "Warm colours, cold questions",
        "body": md("""
            Three things I keep thinking about:

            - The colour: corals and reds everywhere, so Los Angeles feels like the inside
              of a peach.
            - The sound: the film trusts a voice to carry scenes that would normally need a
              face.
            - The ending, which is generous to everybody, including the people who leave.

            It runs long in the middle, but I would rather have a film that lingers than one
            that rushes. **Half a star off for the pacing, none for the heart.**
        """),
    },
    {
        "film": "the-dark-knight",
        "author": "samwrites",
        "rating": 10,
        "headline": "A crime film in a cape",
        "body": md("""
            Nolan makes a Batman film that plays like a heist thriller, and Heath Ledger's
            Joker is frightening because he has no plan he isn't happy to throw away. Scenes
            I would show any screenwriting class:

            1. The opening bank robbery, which introduces the villain before we ever see his
               face.
            2. The interrogation room.
            3. The two ferries.

            *Why so serious?* Because it earns it.
        """),
    },
    {
        "film": "amelie",
        "author": "lumiere",
        "rating": 9,
        "headline": "Montmartre, with the saturation turned up",
        "body": md("""
            I lived two streets from the Café des 2 Moulins for years and never once saw it
            look like this. Jeunet paints Paris in green and red, a postcard from a city that
            never existed, and that is the point: Amélie lives half in her imagination.

            Audrey Tautou makes mischief look like kindness.
        """),
    },
    {
        "film": "pacific-rim",
        "author": "kaijukid",
        "rating": 9,
        "headline": "Giant robots, giant heart",
        "body": md("""
            Del Toro clearly loves this stuff as much as I do. The Jaegers feel heavy, the
            kaiju feel alive, and the Hong Kong fight is the most fun I have had in a cinema.

            > We are cancelling the apocalypse!

            Mako's memory of Tokyo, the little girl with one red shoe, gets me every time.
        """),
    },
    {
        "film": "her",
        "author": "theo_l",
        "rating": 10,
        "headline": "I write cards for a living, and this one got me",
        "body": md("""
            I walked in braced for a film that would make fun of my job. Instead *Her* treats
            Theodore's work as something tender: a man who can find the words for everyone
            except himself.

            > The future here isn't chrome and lasers. It's high-waisted trousers, warm
            light and everybody talking quietly into their ears.

            Phoenix is extraordinary, and Johansson builds a whole person out of breath and
            timing. I cried at the little piece of music Samantha composes as a photograph of
            the two of them, and I'm not sorry.
        """),
    },
    {
        "film": "jumanji",
        "author": "midnightmatinee",
        "rating": 7,
        "body": md("""
            Childhood comfort food. Robin Williams plays a grown man who is still twelve
            inside, and it is funny and a little sad at the same time. The stampede through
            the house still looks great.
        """),
    },
    {
        "film": "parasite",
        "author": "junepark",
        "rating": 10,
        "headline": "Stairs, stairs, stairs",
        "body": md("""
            Bong Joon Ho stages class as architecture: the Kims live below street level, the
            Parks up on a hill, and somebody is always climbing or descending a staircase.
            For an hour it is a con-artist comedy, then the doorbell rings on a rainy night
            and the whole film drops through the floor.

            **See it knowing as little as possible.**
        """),
    },
    {
        "film": "her",
        "author": "marisol",
        "rating": 8,
        "body": md("""
            Watched it in English, then again with Spanish subtitles (in Latin America it is
            called *Ella*), and the second time I noticed how much of the film is about
            listening. Amy Adams is quietly the best thing in it.
        """),
    },
    {
        "film": "the-dark-knight",
        "author": "popcornpete",
        "rating": 9,
        "body": "The truck flip. In IMAX. I don't need to say anything else.",
    },
    {
        "film": "arrival",
        "author": "ada_frames",
        "rating": 9,
        "body": md("""
            Max Richter's *On the Nature of Daylight* over the opening and I was gone within
            five minutes. Amy Adams is superb at playing intelligence as a feeling rather
            than a personality trait.
        """),
    },
    {
        "film": "hotel-transylvania-3-summer-vacation",
        "author": "kaijukid",
        "rating": 4,
        "body": md("""
            The animation is bouncy and Genndy Tartakovsky's timing is great in places, but
            the story is paper thin. Fine for kids.
        """),
    },
    {
        "film": "her",
        "author": "samwrites",
        "rating": 9,
        "headline": "The breakup is the point",
        "contains_spoilers": True,
        "body": md("""
            Spoilers, obviously. The moment Samantha admits she is talking to thousands of
            other people, and is in love with hundreds of them, is the best lesson in scene
            writing I have had this year. Nothing on screen changes: Theodore is sitting on
            the steps of a subway entrance. The whole relationship turns over in a line of
            dialogue.

            What I love is that the film punishes neither of them. The operating systems
            leave together, Theodore finally writes an honest letter of his own to Catherine,
            and he ends up on a rooftop next to Amy. It is a breakup film that ends in
            friendship, and Spike Jonze's script (it [won the Oscar for Best Original
            Screenplay](https://en.wikipedia.org/wiki/86th_Academy_Awards)) earns every beat.
        """),
    },
    {
        "film": "jurassic-park",
        "author": "kaijukid",
        "rating": 9,
        "body": "The raptors in the kitchen are a masterclass in tension. Also: Jeff Goldblum "
        "laughing. That's the review.",
    },
    {
        "film": "spirited-away",
        "author": "junepark",
        "rating": 10,
        "body": md("""
            The train ride across the flooded plain. Hardly a word spoken, just quiet
            passengers and water to the horizon. Miyazaki at his absolute peak.
        """),
    },
    {
        "film": "pacific-rim",
        "author": "grumpycritic",
        "rating": 4,
        "body": md("""
            Loud, dark and wet. I could not tell one robot from another in most of the night
            fights, and the dialogue is slogans shouted over rain. Idris Elba deserves better,
            though he does get one good speech.
        """),
    },
    {
        "film": "moonlight",
        "author": "junepark",
        "rating": 10,
        "body": md("""
            Three actors, one life, and you never doubt for a second that it's the same
            person. The swimming lesson with Juan is one of the most tender scenes I have
            ever seen.
        """),
    },
    {
        "film": "amelie",
        "author": "ada_frames",
        "rating": 8,
        "body": md("""
            A film made entirely of small pleasures: cracking a crème brûlée, skipping
            stones, a garden gnome on a world tour. It gets a little airless by the end, but
            the photo-booth mystery is one of the most charming plots I know.
        """),
    },
    {
        "film": "her",
        "author": "junepark",
        "rating": 7,
        "body": md("""
            Beautiful to look at and smarter than its premise sounds. I admired it more than
            I loved it; Theodore spends a lot of time being sad in nice apartments. Still,
            the sequence where he shows Samantha the city through the camera in his shirt
            pocket is pure joy.
        """),
    },
    {
        "film": "arrival",
        "author": "samwrites",
        "rating": 10,
        "headline": "The best twist is a verb tense",
        "contains_spoilers": True,
        "body": md("""
            Spoiler warning, because the structure is the whole trick. The "flashbacks" of
            Louise's daughter aren't flashbacks at all: learning the heptapods' language lets
            her see her life the way they write a sentence, all at once.

            Rewatching it knowing that turns every scene with Hannah into something else.
            Eric Heisserer adapted a famously "unfilmable" short story and made it *look*
            simple.
        """),
    },
    {
        "film": "jumanji",
        "author": "ada_frames",
        "rating": 6,
        "body": "Some of the CGI monkeys have aged badly, but the board game idea is brilliant "
        "and those drums still give me chills.",
    },
    {
        "film": "the-dark-knight",
        "author": "grumpycritic",
        "rating": 5,
        "headline": "Too much of everything",
        "body": md("""
            Ledger is magnetic and the first hour is superb. Then the film keeps going,
            adding a second villain and a third act it doesn't have room for. Two and a half
            stars, most of them for one performance.
        """),
    },
    {
        "film": "lost-in-translation",
        "author": "lumiere",
        "rating": 8,
        "body": md("""
            A film about jet lag that feels like jet lag, in the best way: Tokyo at four in
            the morning, karaoke rooms, hotel bars. Bill Murray's tired, dry face does more
            than most monologues. And we will never know what he whispers, which is exactly
            right.
        """),
    },
    {
        "film": "her",
        "author": "midnightmatinee",
        "rating": 6,
        "headline": "Lovely, but I checked my watch",
        "body": md("""
            I saw this after a twelve-hour shift, which may not have been fair to it. The
            performances are terrific and the production design is gorgeous, but two hours
            of soft-spoken melancholy is a lot. I'd like to try again on a day off.
        """),
    },
    {
        "film": "eternal-sunshine-of-the-spotless-mind",
        "author": "theo_l",
        "rating": 9,
        "headline": "Meet me in Montauk",
        "body": md("""
            A memory-erasing clinic sounds like a science-fiction gimmick, but Charlie
            Kaufman uses it to ask whether you would choose the same heartbreak twice. Jim
            Carrey has never been better, and Kate Winslet's Clementine, hair changing colour
            with her moods, is a whole person rather than a fantasy.
        """),
    },
    {
        "film": "jurassic-park",
        "author": "midnightmatinee",
        "rating": 8,
        "body": md("""
            My first time seeing it, believe it or not. The dinosaurs are great, but I was
            surprised how much of the film is people arguing over whether they *should* have
            done this. Richard Attenborough is lovely as a grandfather who built a death trap.
        """),
    },
    {
        "film": "love-simon",
        "author": "theo_l",
        "rating": 8,
        "body": md("""
            A big, warm, mainstream teen romance that happens to be about a gay kid, which is
            exactly why it matters. The whole audience cheered at the Ferris wheel.
        """),
    },
    {
        "film": "her",
        "author": "grumpycritic",
        "rating": 3,
        "headline": "A very long voicemail",
        "body": md("""
            A lonely man falls for his software and the film asks us to find it profound. I
            found it *precious*. Phoenix is committed, as always, but the script mistakes
            whispering for depth, and the future it imagines is a furniture catalogue with
            better lighting. One and a half stars, for the trousers.
        """),
    },
    {
        "film": "blade-runner-2049",
        "author": "midnightmatinee",
        "rating": 8,
        "body": md("""
            Slow, vast and often breathtaking. Roger Deakins shoots every scene like a
            painting of weather: orange dust in Las Vegas, snow at the very end. Ryan Gosling
            is perfect as a man who has been told all his life that he has no soul.
        """),
    },
    {
        "film": "parasite",
        "author": "samwrites",
        "rating": 9,
        "body": "The peach sequence alone is a perfectly built piece of screenwriting. Tight as a "
        "drum from the first scene to the last.",
    },
    {
        "film": "hotel-transylvania-3-summer-vacation",
        "author": "popcornpete",
        "rating": 5,
        "body": "My nephew loved the musical showdown with the Kraken. I loved that it was under "
        "a hundred minutes.",
    },
    {
        "film": "the-dark-knight",
        "author": "kaijukid",
        "rating": 8,
    },
    {
        "film": "her",
        "author": "popcornpete",
        "rating": 5,
        "body": md("""
            Not my usual thing, nothing explodes, but my partner loved it. Some funny bits
            (the foul-mouthed video game kid!) and Scarlett Johansson is great with nothing
            but her voice. Middle of the road for me.
        """),
    },
    {
        "film": "jumanji",
        "author": "grumpycritic",
        "rating": 2,
        "headline": "Roll again",
        "body": md("""
            A noisy parade of effects in search of a story. Williams does his best, but every
            scene is an excuse for another creature to smash the furniture.
        """),
    },
    {
        "film": "moonlight",
        "author": "lumiere",
        "rating": 9,
        "headline": "Told in glances",
        "body": md("""
            Barry Jenkins trusts silence. The diner scene in the last chapter is almost
            nothing but two men looking at each other, and it is devastating.
        """),
    },
    {
        "film": "arrival",
        "author": "junepark",
        "rating": 7,
        "body": md("""
            Gorgeous and patient. The middle drags a little with the military subplot, but
            the shell-shaped ship hanging over a Montana field is an image I'll keep.
        """),
    },
    {
        "film": "lost-in-translation",
        "author": "popcornpete",
        "rating": 4,
        "body": "I get why people love it, but I spent most of it waiting for something to "
        "happen. Great karaoke scene though.",
    },
    {
        "film": "spirited-away",
        "author": "marisol",
        "rating": 9,
        "body": "Saw *El viaje de Chihiro* in a Madrid cinema as a kid and it rearranged my "
        "brain. Still astonishing.",
    },
    {
        "film": "jurassic-park",
        "author": "grumpycritic",
        "rating": 6,
        "headline": "Fine, the dinosaurs are good",
        "body": md("""
            The characters are cardboard and the children are there to scream, but I will
            admit the T. rex attack is as well made as anything in the genre. Three stars,
            grudgingly.
        """),
    },
    {
        "film": "eternal-sunshine-of-the-spotless-mind",
        "author": "ada_frames",
        "rating": 8,
        "body": md("""
            The memory sequences collapsing around Joel, rooms losing their walls and faces
            going blank, were done mostly in camera, and they feel like real forgetting.
        """),
    },
    {
        "film": "love-simon",
        "author": "popcornpete",
        "rating": 6,
        "body": "Sweet and funny, if predictable. Jennifer Garner's speech to Simon about "
        "finally getting to exhale is the best scene.",
    },
    {
        "film": "blade-runner-2049",
        "author": "grumpycritic",
        "rating": 3,
        "body": "Two hours and forty-four minutes of beautiful screensavers. I admired the craft "
        "and felt nothing.",
    },
    {
        "film": "amelie",
        "author": "junepark",
        "rating": 7,
    },
    {
        "film": "pacific-rim",
        "author": "popcornpete",
        "rating": 8,
    },
    {
        "film": "arrival",
        "author": "theo_l",
        "rating": 9,
    },
    {
        "film": "spirited-away",
        "author": "midnightmatinee",
        "rating": 9,
    },
    {
        "film": "parasite",
        "author": "lumiere",
        "rating": 8,
    },
    {
        "film": "love-simon",
        "author": "marisol",
        "rating": 7,
    },
    {
        "film": "moonlight",
        "author": "theo_l",
        "rating": 10,
    },
]

# Replies under a review, which is named by (film slug, review author); oldest first.
REPLIES = [
    (
        ("her", "samwrites"),
        "theo_l",
        "The letter to Catherine at the end wrecked me. Good catch on the subway steps.",
    ),
    (
        ("her", "grumpycritic"),
        "ada_frames",
        '"A furniture catalogue with better lighting" is unfair and also very funny.',
    ),
    (("her", "grumpycritic"), "grumpycritic", "I stand by the trousers."),
    (
        ("spirited-away", "kaijukid"),
        "junepark",
        "No fight needed, I agree completely. No-Face on the train is my favourite image in "
        "any film.",
    ),
    (
        ("jurassic-park", "popcornpete"),
        "kaijukid",
        "The glass of water! Still the best sound design trick in the business.",
    ),
    (
        ("parasite", "junepark"),
        "marisol",
        "Seen it three times and the staircase thing never occurred to me. Going for a fourth.",
    ),
    (
        ("arrival", "samwrites"),
        "lumiere",
        "Thank you for the spoiler tag: I watched it first and came back. You're right about "
        "Hannah.",
    ),
]

# Who likes which review, the review named by (film slug, review author).
LIKES = {
    ("her", "theo_l"): [
        "ada_frames",
        "marisol",
        "junepark",
        "samwrites",
        "lumiere",
        "midnightmatinee",
    ],
    ("her", "samwrites"): ["theo_l", "ada_frames", "lumiere", "junepark"],
    ("her", "ada_frames"): ["theo_l", "marisol", "samwrites"],
    ("her", "grumpycritic"): ["popcornpete", "kaijukid"],
    ("her", "marisol"): ["junepark"],
    ("her", "junepark"): ["midnightmatinee"],
    ("jurassic-park", "popcornpete"): ["kaijukid", "midnightmatinee", "ada_frames", "samwrites"],
    ("the-dark-knight", "samwrites"): [
        "popcornpete",
        "kaijukid",
        "theo_l",
        "junepark",
        "midnightmatinee",
    ],
    ("the-dark-knight", "popcornpete"): ["kaijukid", "samwrites"],
    ("spirited-away", "kaijukid"): ["junepark", "marisol", "lumiere"],
    ("parasite", "junepark"): ["samwrites", "marisol", "lumiere", "ada_frames"],
    ("arrival", "samwrites"): ["ada_frames", "lumiere"],
    ("amelie", "lumiere"): ["marisol", "theo_l"],
    ("moonlight", "junepark"): ["lumiere", "theo_l", "samwrites"],
    ("hotel-transylvania-3-summer-vacation", "grumpycritic"): ["popcornpete", "midnightmatinee"],
    ("pacific-rim", "kaijukid"): ["popcornpete"],
    ("eternal-sunshine-of-the-spotless-mind", "theo_l"): ["ada_frames", "lumiere"],
}
